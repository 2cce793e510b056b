package dev.mentor.training.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where the history goes: the option, then a client config, then the environment, then the output folder's file. */
class HistoryLocationTest {
  private static final Path OUTPUT = Path.of("/data/runs");
  private static final Map<String, String> ENV = Map.of(HistoryLocation.URL_ENV, "jdbc:postgresql://env/mentor",
      HistoryLocation.USER_ENV, "env-user", HistoryLocation.PASSWORD_ENV, "env-secret");

  @Test
  void nothingGiven_isTheOutputFoldersSqliteFile() {
    assertThat(HistoryLocation.resolve(null, Map.of(), Map.of(), OUTPUT))
        .isEqualTo(new HistoryLocation("jdbc:sqlite:/data/runs/history.db", null, null));
  }

  @Test
  void theOptionWinsOverConfigAndEnvironment_theConfigOverTheEnvironment() {
    Map<String, String> config = Map.of(HistoryLocation.URL_KEY, "jdbc:postgresql://config/mentor", HistoryLocation.USER_KEY, "config-user");
    assertThat(HistoryLocation.resolve("jdbc:postgresql://option/mentor", config, ENV, OUTPUT))
        .isEqualTo(new HistoryLocation("jdbc:postgresql://option/mentor", "config-user", "env-secret"));
    assertThat(HistoryLocation.resolve(null, config, ENV, OUTPUT).url()).isEqualTo("jdbc:postgresql://config/mentor");
    assertThat(HistoryLocation.resolve(null, Map.of(), ENV, OUTPUT).url()).isEqualTo("jdbc:postgresql://env/mentor");
  }

  @Test
  void noneSwitchesItOff_andAFileIsAnSqliteDatabase() {
    assertThat(HistoryLocation.resolve("none", Map.of(), ENV, OUTPUT)).isNull();
    assertThat(HistoryLocation.resolve(null, Map.of(), Map.of(HistoryLocation.URL_ENV, "none"), OUTPUT)).isNull();
    assertThat(HistoryLocation.resolve("/tmp/h.db", Map.of(), ENV, OUTPUT).url()).isEqualTo("jdbc:sqlite:/tmp/h.db");
  }

  @Test
  void aPasswordNeverShowsInMessages() {
    HistoryLocation location = new HistoryLocation("jdbc:postgresql://db/mentor?password=secret", "u", "p");
    assertThat(location.toString()).isEqualTo("jdbc:postgresql://db/mentor as u").doesNotContain("secret", "p\"");
    assertThatThrownBy(() -> new HistoryLocation("postgres://db", null, null)).hasMessageContaining("JDBC URL");
  }
}
