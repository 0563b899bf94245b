using Dativo.Core.Config;
using Dativo.Core.Config.Schema;
using static Dativo.Core.Config.Schema.S;

namespace Dativo.Orchestration.Pipelines;

/// <summary>The one schema of a pipeline file: validation, binding and <c>schemas/pipeline.schema.json</c>.</summary>
public static class PipelineSchema
{
    public const string NamePattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$";

    private static StringSchema Duration(string description) =>
        new() { Description = description + " (e.g. 500ms, 30s, 15m, 1h30m, 7d)", Pattern = @"^\s*(\d+(\.\d+)?\s*(ms|s|m|h|d)\s*)+$" };

    public static readonly ObjectSchema Source = Obj("One place to read the dataset list from (exactly one key)",
        P("values", List(Str(), "inline dataset names")),
        P("file", Str("file holding a JSON array, an object with a 'datasets' array, or one name per line; relative to the pipeline file")),
        P("env", Str("environment variable holding a JSON array or an object with a 'datasets' array")),
        P("ssm", Str("SSM parameter name (decrypted); JSON array or object with 'datasets'")),
        P("secretsmanager", Str("Secrets Manager secret id; JSON array or object with 'datasets'")),
        P("region", Str("AWS region for ssm/secretsmanager (default: AWS_REGION, then AWS_DEFAULT_REGION)")));

    public static readonly ObjectSchema Foreach = Obj("Fan the task out: one item per dataset, each with its own attempts and outputs",
        Req("sources", List(Source, "tried in order; the first that exists wins; a source that exists but holds no list is an error")));

    public static readonly ObjectSchema Retry = Obj("Retries of a failed or timed-out attempt",
        P("max_attempts", Int("attempts in total, including the first (default 1)", min: 1, max: 100)),
        P("backoff", Duration("delay before the second attempt (default 0s)")),
        P("multiplier", Num("backoff growth per attempt (default 2)")),
        P("max_backoff", Duration("upper bound of one delay")),
        P("max_duration", Duration("no new attempt starts after this much time since the first")));

    public static readonly ObjectSchema Task = Obj("A task",
        Req("name", new StringSchema { Description = "unique task name", Pattern = NamePattern }),
        Req("type", Str("task type: command, pipeline, job, sql, generate, files, emr_serverless, emr_cluster")),
        P("description", Str()),
        P("depends_on", List(Str(), "tasks that must finish first")),
        P("trigger_rule", Enum("when to run after the dependencies: all_success (default) or all_done (summaries)", "all_success", "all_done")),
        P("foreach", Foreach),
        P("concurrency", Int("foreach items running at once (default 8)", min: 1)),
        P("timeout", Duration("limit of one attempt; the work is cancelled when it is reached")),
        P("retry", Retry),
        P("command", List(Str(), "command: argv, templated")),
        P("env", StrMap("command: extra environment variables, templated")),
        P("working_dir", Str("command, job: working directory, relative to the pipeline file (default: command the folder of the pipeline file, job the host working directory)")),
        P("pipeline", Str("pipeline: the sub-pipeline file, relative to this file")),
        P("params", StrMap("pipeline: parameters of the sub-pipeline, templated")),
        P("job", Str("job: the dativo job file, relative to this file")),
        P("sql", Str("sql: the query, templated")),
        P("table", Str("sql: the table written (namespace.name)")),
        P("with", Map(Any(), "settings of other task types (generate, files, emr_serverless, emr_cluster)")));

    public static readonly ObjectSchema Root = Obj("A Dativo pipeline",
        Req("name", new StringSchema { Description = "pipeline name; runs are keyed by (correlation id, name)", Pattern = NamePattern }),
        P("description", Str()),
        P("params", StrMap("template parameters with their defaults: {{ params.<key> }}; --set key=value overrides")),
        P("timeout", Duration("limit of the whole run")),
        P("concurrency", Obj("Runs of this pipeline at once",
            P("limit", Int("runs at once (default: unlimited)", min: 1)),
            P("behavior", Enum("what a run over the limit does (default queue)", "queue", "cancel", "fail")))),
        P("schedule", Obj("Cron schedule",
            Req("cron", Str("cron expression, 5 fields (or 6 with seconds), e.g. '0 2 * * *' or '@daily'")),
            P("timezone", Str("IANA time zone (default UTC)")),
            P("catch_up", Enum("missed windows on restart: none, latest (default) or all", "none", "latest", "all")))),
        P("triggers", List(Obj("A trigger",
            P("object_arrival", Obj("Start one run per date when files arrive",
                Req("location", Str("local folder (s3:// in a later version)")),
                Req("prefix", Str("key prefix template with {date:yyyy-MM-dd}, e.g. cyi/{date:yyyy-MM-dd}/")),
                P("settle", Duration("quiet time before the files of a date start a run (default 60s)")),
                P("poll_interval", Duration("how often to look (default 30s)")),
                P("queue", Str("SQS queue URL receiving the bucket's S3 event notifications (s3:// location): runs start on events, no polling"))))))),
        P("alerts", List(Obj("A notification",
            Req("webhook", Str("URL receiving a JSON POST with a Slack-compatible 'text'")),
            P("on", List(Enum("run outcome, or warning (a task's warning during the run)", "failure", "success", "timeout", "cancelled", "skipped", "warning"),
                "outcomes that alert (default: failure, timeout); skipped: the run had nothing to do (e.g. no files for the day)"))))),
        P("run_ttl", Duration("how long run records are kept (default 7d)")),
        P("relaunch", Obj("Relaunch a failed step automatically (a task's own retry wins)",
            Req("max_retries", Int("attempts after the first failed one", min: 0, max: 99)),
            P("backoff", Duration("delay before each relaunch (default 0s)")),
            P("steps_not_to_retry", List(Str(), "tasks that are never relaunched (their failure needs a person)")))),
        Req("tasks", List(Task, "the tasks; order does not matter, depends_on does")));

    /// <summary>Publishes <c>pipeline.schema.json</c>; idempotent.</summary>
    public static void Register() => PublishedSchemas.Register("pipeline.schema.json", "Dativo pipeline", Root);
}
