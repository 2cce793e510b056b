package dev.mentor.messages.job;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mentor.messages.job.StatusEvent.Kind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@link StatusEvent} by its {@code kind}: the record type follows from the kind, and for
 * {@code failed} from whether the event names a run. Null fields are dropped before the record is
 * read, so a version 1 event (which wrote every field, null where it did not apply) reads as the
 * same record with the fields it lacks left null.
 */
final class StatusEventReader extends StdDeserializer<StatusEvent> {
  private static final Map<Kind, Class<? extends StatusEvent>> TYPES = Map.ofEntries(
      Map.entry(Kind.QUEUED, StatusEvent.Queued.class), Map.entry(Kind.STARTED, StatusEvent.Started.class),
      Map.entry(Kind.DUPLICATE, StatusEvent.Duplicate.class), Map.entry(Kind.PAUSED, StatusEvent.Paused.class),
      Map.entry(Kind.RESUMED, StatusEvent.Resumed.class), Map.entry(Kind.RUN_SCHEDULED, StatusEvent.RunScheduled.class),
      Map.entry(Kind.RUN_STARTED, StatusEvent.RunStarted.class), Map.entry(Kind.EPOCH, StatusEvent.EpochEnded.class),
      Map.entry(Kind.EARLY_STOPPING, StatusEvent.RunNote.class), Map.entry(Kind.OVERFITTING, StatusEvent.RunNote.class),
      Map.entry(Kind.RUN_FINISHED, StatusEvent.RunFinished.class), Map.entry(Kind.RETRYING, StatusEvent.Retrying.class),
      Map.entry(Kind.FINISHED, StatusEvent.ExperimentEnded.class), Map.entry(Kind.CANCELLED, StatusEvent.ExperimentEnded.class));

  StatusEventReader() {
    super(StatusEvent.class);
  }

  @Override
  public StatusEvent deserialize(JsonParser parser, DeserializationContext context) throws IOException {
    JsonNode tree = parser.readValueAsTree();
    if (!(tree instanceof ObjectNode node)) {
      return context.reportInputMismatch(StatusEvent.class, "a status event is a JSON object, got %s", tree.getNodeType());
    }
    int version = node.path("schemaVersion").asInt(-1);
    if (!StatusEvent.READABLE_VERSIONS.contains(version)) {
      return context.reportInputMismatch(StatusEvent.class, "schemaVersion must be one of %s, got %s", StatusEvent.READABLE_VERSIONS,
          node.get("schemaVersion"));
    }
    Kind kind;
    try {
      kind = Kind.of(node.path("kind").asText(null));
    } catch (IllegalArgumentException e) {
      return context.reportInputMismatch(StatusEvent.class, "%s", e.getMessage());
    }
    List<String> nulls = new ArrayList<>();
    node.fields().forEachRemaining(field -> {
      if (field.getValue().isNull()) {
        nulls.add(field.getKey());
      }
    });
    node.remove(nulls);
    Class<? extends StatusEvent> type = kind == Kind.FAILED
        ? node.has("arm") ? StatusEvent.RunFailed.class : StatusEvent.ExperimentEnded.class
        : TYPES.get(kind);
    if (type != StatusEvent.RunNote.class && type != StatusEvent.ExperimentEnded.class) {
      // The kind is the record type's own, not one of its components.
      node.remove("kind");
    }
    return context.readTreeAsValue(node, type);
  }
}
