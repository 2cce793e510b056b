package dev.mentor.messages.record;

/** Something a reader of a run should know: early stopping, detected overfitting, a note about the budget. */
public record RunEvent(int epoch, String kind, String message) {}
