package dev.mentor.messages.record;

/**
 * What deploying a run's model costs, measured on the machine that trained it: latency of one
 * sample alone (median of repeated single-sample forward passes, milliseconds), throughput at
 * the evaluation batch size (samples per second over the test set) and the weights' size on disk.
 * For an ensemble every member runs, so the numbers cover all of them.
 */
public record InferenceCost(double latencyMs, double samplesPerSecond, long bytesOnDisk) {}
