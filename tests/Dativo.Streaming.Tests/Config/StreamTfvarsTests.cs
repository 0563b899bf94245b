using System.Text.Json.Nodes;
using Dativo.Core.Config;
using Dativo.Core.Infrastructure;
using Dativo.Streaming.Config;

namespace Dativo.Streaming.Tests.Config;

/// <summary>The module variables written from a stream: what the module requires or cannot build is refused with file:line.</summary>
public sealed class StreamTfvarsTests : IDisposable
{
    private readonly StreamFile _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void What_the_module_needs_or_cannot_build_is_refused_with_lines()
    {
        File.WriteAllText(Path.Combine(_f.Dir, "c.yaml"), "apiVersion: v3.0.2\nkind: DataContract\nname: c\nversion: \"1\"\nschema: [{name: a, type: string}]\nteam: {owner: x@example.com}\n");
        var loaded = _f.Load("""
            streams:
              - name: clicks
                enable_dynamic_partitioning: true
                dynamic_partitioning_config:
                  jq_metadata_query: "{a: .a}"
                  s3_dynamic_prefix: "a=!{partitionKeyFromQuery:a}/"
                  s3_error_prefix: "errors/!{firehose:error-output-type}/"
                data_transformation: {command: [transform]}
                record_format_conversion: {contract: c.yaml}
                destination: {local: {path: out}}
                terraform:
                  env: Prod
            """);
        var e = Assert.Throws<ConfigException>(() => StreamTerraformVariables.Build(loaded, loaded.Streams[0]));
        Assert.Equal(
            [(12, "log_group_name"), (12, "kinesis_data_producers"), (12, "s3_data_consumers"), (9, "record format conversion"),
             (8, "lambda_arn"), (3, "buffering_size >= 64")],
            e.Issues.Select(i => (i.Line, new[] { "log_group_name", "kinesis_data_producers", "s3_data_consumers", "record format conversion", "lambda_arn", "buffering_size >= 64" }
                .First(k => i.Message.Contains(k, StringComparison.Ordinal)))));
    }

    [Fact]
    public void Variables_follow_the_module_and_keep_prefixes_literal()
    {
        var loaded = _f.Load("""
            streams:
              - name: clicks
                buffering_size: 64
                enable_dynamic_partitioning: true
                dynamic_partitioning_config:
                  jq_metadata_query: "{a: .a}"
                  s3_dynamic_prefix: "a=!{partitionKeyFromQuery:a}/${literal}/"
                  s3_error_prefix: "errors/!{firehose:error-output-type}/"
                  enable_record_deaggregation: true
                  record_deaggregation_config: {type: DELIMITED, delimiter: IyMjIw==}
                alarms: {subscriptions: ["https://hooks.example.com/a", ops@example.com]}
                destination: {local: {path: out}}
                terraform:
                  log_group_name: logs
                  kinesis_data_producers: {aws: ["arn:aws:iam::123456789012:role/p"]}
                  s3_data_consumers: {federated: ["arn:aws:iam::123456789012:saml-provider/okta"]}
            """, name => name == "literal" ? "${literal}" : null);
        var vars = StreamTerraformVariables.Build(loaded, loaded.Streams[0]).ToDictionary(v => v.Key, v => v.Value);
        Assert.Equal("clicks", vars["project_name"]!.GetValue<string>());
        Assert.Equal("Dev", vars["env"]!.GetValue<string>());
        Assert.Equal(64L, vars["buffering_size"]!.GetValue<long>());
        Assert.Equal(300L, vars["buffering_interval"]!.GetValue<long>());
        Assert.Equal("DELIMITED", vars["dynamic_partitioning_config"]!["record_deaggregation_config"]!["type"]!.GetValue<string>());
        Assert.Equal(["ops@example.com"], vars["alarm_subscription_email_addresses"]!.AsArray().Select(n => n!.GetValue<string>()));

        var hcl = TfvarsWriter.Render([.. vars], "test.tfvars", "test", nestedKeysAsIdentifiers: true);
        Assert.Contains("  s3_dynamic_prefix           = \"a=!{partitionKeyFromQuery:a}/$${literal}/\"\n", hcl, StringComparison.Ordinal);
        Assert.Contains("project_name   = \"clicks\"\nenv            = \"Dev\"\nlog_group_name = \"logs\"\nkinesis_data_producers = {\n", hcl, StringComparison.Ordinal);
        Assert.Contains("    delimiter = \"IyMjIw==\"\n", hcl, StringComparison.Ordinal);
        Assert.Equal(JsonValue.Create(false)!.ToJsonString(), vars["use_kms_for_s3"]!.ToJsonString());
    }
}
