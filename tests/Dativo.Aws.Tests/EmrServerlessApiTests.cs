using Dativo.Aws.Testing;

namespace Dativo.Aws.Tests;

public sealed class EmrServerlessApiTests
{
    [Fact]
    public void The_job_run_routes_are_those_of_the_model()
    {
        var model = BotocoreModel.Load("emr-serverless");
        foreach (var op in new[] { EmrServerlessApi.StartJobRunOp, EmrServerlessApi.GetJobRunOp, EmrServerlessApi.CancelJobRunOp })
        {
            var expected = model.Describe(op.Name);
            Assert.Equal((expected.Method, expected.Uri), (op.Method, op.Uri));
            Assert.Equal(expected.Query?.OrderBy(kv => kv.Key, StringComparer.Ordinal), op.Query?.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        }
    }

    [Fact]
    public void The_states_are_those_of_the_model()
    {
        var problems = BotocoreModel.Load("emr-serverless").CheckShape("JobRunState", System.Text.Json.Nodes.JsonValue.Create("DONE"));
        Assert.Contains(string.Join(", ", JobRunStatus.States.Order(StringComparer.Ordinal)),
            string.Join(", ", Assert.Single(problems).Split(" one of ")[1].Split(", ").Order(StringComparer.Ordinal)), StringComparison.Ordinal);
    }
}
