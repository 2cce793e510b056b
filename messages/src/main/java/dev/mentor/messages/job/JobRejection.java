package dev.mentor.messages.job;

/**
 * Published on the rejected-jobs topic for a submission Mentor will not run: the experiment id
 * (the record's key, or the spec's name), the field of the spec at fault ({@code ""} when the
 * payload is not a spec at all), the reason with the allowed values, and the original payload as
 * submitted, so nothing a user sent is lost.
 */
public record JobRejection(int schemaVersion, String experimentId, String field, String reason, String payload, long rejectedAtMillis) {
  public static final int SCHEMA_VERSION = 1;
}
