package dev.mentor.messages.job;

import dev.mentor.messages.spec.Check;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.SpecLimits;
import dev.mentor.messages.spec.SpecReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * Reads a job from the jobs topic: the value is an experiment spec as JSON or YAML text (UTF-8),
 * the key its experiment id. A record without a key takes the spec's name as id; a key that
 * differs from the spec's name is rejected (one id, one experiment, or two submissions could
 * silently overwrite each other's runs). Every problem is a {@link SpecException} naming the field.
 */
public final class JobCodec {
  private JobCodec() {}

  /** A valid job: its id and its spec. */
  public record Job(String id, ExperimentSpec spec) {}

  /** A value over {@link SpecLimits#MAX_SPEC_BYTES} is refused before it is decoded or parsed. */
  public static Job decode(String key, byte[] value) {
    if (value == null || value.length == 0) {
      throw new SpecException("", "the record has no value; send the experiment spec (JSON or YAML) as the value");
    }
    SpecLimits.checkSpecSize(value.length);
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value)).toString();
    } catch (CharacterCodingException e) {
      throw new SpecException("", "the value is not UTF-8 text; send the experiment spec as JSON or YAML");
    }
    ExperimentSpec spec = SpecReader.parse(text);
    if (key != null && !key.equals(spec.name())) {
      throw new SpecException("name", "the record's key " + Check.quote(key) + " is the experiment id and must equal the spec's name '" + spec.name()
          + "'; use the name as key, or send no key");
    }
    return new Job(spec.name(), spec);
  }

  /** The payload as text for a rejection record (bytes that are not UTF-8 are replaced by U+FFFD). */
  public static String payloadText(byte[] value) {
    return value == null ? "" : new String(value, StandardCharsets.UTF_8);
  }
}
