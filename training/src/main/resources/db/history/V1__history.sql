-- Mentor's experiment history (issue 16): every experiment, run, epoch and event as it happens.
-- Portable SQL: the same file migrates the embedded SQLite database and PostgreSQL (Flyway).
-- Times are epoch milliseconds (UTC), as in MLflow's store: sortable, and durations are a subtraction.
-- Metrics that are not finite (a diverged loss) are stored as NULL.
-- Every table's primary key is the natural key of what it records, and every write is an
-- upsert on it: a resumed run, a retried write or `mentor history rebuild` never duplicates a row.

CREATE TABLE experiments (
  -- "<name>@<first 12 hex digits of spec_digest>": the same spec is the same experiment wherever it runs
  id              VARCHAR(255)     NOT NULL PRIMARY KEY,
  name            VARCHAR(200)     NOT NULL,
  -- SHA-256 (hex) of the resolved spec, byte for byte the experiment.json of the experiment folder
  spec_digest     VARCHAR(64)      NOT NULL,
  spec            TEXT             NOT NULL,
  -- the experiment folder (<output>/<name>) on the host that last wrote it: where the weights are
  output_dir      TEXT,
  host            VARCHAR(255),
  -- the service's job id; NULL for an in-process run or a rebuilt row
  job_id          VARCHAR(255),
  -- queued, running, paused, finished, failed, cancelled, stopped (the service stopped; it resumes)
  state           VARCHAR(20)      NOT NULL,
  message         TEXT,
  arms            INTEGER          NOT NULL,
  seeds           INTEGER          NOT NULL,
  -- runs of arms at seeds (ensemble members not counted)
  runs_planned    INTEGER          NOT NULL,
  submitted_at_ms BIGINT,
  started_at_ms   BIGINT,
  ended_at_ms     BIGINT,
  updated_at_ms   BIGINT           NOT NULL
);

CREATE INDEX experiments_name ON experiments (name);

CREATE TABLE runs (
  experiment_id        VARCHAR(255)     NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  arm                  VARCHAR(200)     NOT NULL,
  seed                 BIGINT           NOT NULL,
  -- -1: the arm's run at the seed; m >= 0: member m of a deep ensemble's run (role ensemble-member)
  member               INTEGER          NOT NULL,
  -- trainer, teacher, student, ensemble, ensemble-member
  role                 VARCHAR(20)      NOT NULL,
  -- running, finished, failed
  state                VARCHAR(20)      NOT NULL,
  message              TEXT,
  task                 VARCHAR(200),
  strategy             VARCHAR(50),
  model                VARCHAR(200),
  teacher              VARCHAR(200),
  parameters           BIGINT,
  trainable_parameters BIGINT,
  epochs_planned       INTEGER,
  epochs_run           INTEGER,
  selected_epoch       INTEGER,
  selection            TEXT,
  train_seconds        DOUBLE PRECISION,
  samples_per_second   DOUBLE PRECISION,
  -- the selected epoch's weights on the validation set (what to choose arms by) and on the test set
  validation_accuracy  DOUBLE PRECISION,
  validation_nll       DOUBLE PRECISION,
  validation_ece       DOUBLE PRECISION,
  test_accuracy        DOUBLE PRECISION,
  test_nll             DOUBLE PRECISION,
  test_ece             DOUBLE PRECISION,
  -- the run's results.json, whole
  record               TEXT,
  -- a sweep's coordinates of this arm as a JSON object (parameter path -> value); NULL outside sweeps
  sweep                TEXT,
  started_at_ms        BIGINT,
  ended_at_ms          BIGINT,
  updated_at_ms        BIGINT           NOT NULL,
  PRIMARY KEY (experiment_id, arm, seed, member)
);

CREATE TABLE epochs (
  experiment_id        VARCHAR(255)     NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  arm                  VARCHAR(200)     NOT NULL,
  seed                 BIGINT           NOT NULL,
  member               INTEGER          NOT NULL,
  -- from 1 within the run, across its phases
  epoch                INTEGER          NOT NULL,
  phase                VARCHAR(50)      NOT NULL,
  train_loss           DOUBLE PRECISION,
  train_accuracy       DOUBLE PRECISION,
  validation_loss      DOUBLE PRECISION,
  validation_accuracy  DOUBLE PRECISION,
  learning_rate        DOUBLE PRECISION,
  samples_per_second   DOUBLE PRECISION,
  seconds              DOUBLE PRECISION,
  -- a distillation student's unweighted loss terms as a JSON object; NULL for plain cross-entropy
  terms                TEXT,
  recorded_at_ms       BIGINT,
  PRIMARY KEY (experiment_id, arm, seed, member, epoch)
);

CREATE TABLE events (
  experiment_id        VARCHAR(255)     NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  arm                  VARCHAR(200)     NOT NULL,
  seed                 BIGINT           NOT NULL,
  member               INTEGER          NOT NULL,
  epoch                INTEGER          NOT NULL,
  -- early-stopping, overfitting, note, ... (RunEvent.kind); retry and failed from the service
  kind                 VARCHAR(50)      NOT NULL,
  message              VARCHAR(2000)    NOT NULL,
  recorded_at_ms       BIGINT,
  PRIMARY KEY (experiment_id, arm, seed, member, epoch, kind, message)
);
