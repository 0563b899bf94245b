using Dativo.Core.Config.Jobs;
using Dativo.Core.Tags;
using Dativo.Testing;

namespace Dativo.Core.Tests.Cases;

public class TablePropertiesCaseTests
{
    private static readonly Dictionary<string, string> CaseEnv = new()
    {
        ["S3_ENDPOINT"] = "http://127.0.0.1:9000",
        ["AWS_ACCESS_KEY_ID"] = "test",
        ["AWS_SECRET_ACCESS_KEY"] = "test",
        ["AWS_REGION"] = "us-east-1",
    };

    [Theory]
    [InlineData("case01_iceberg_props_job_overrides")]
    [InlineData("case02_iceberg_props_odcs_flat_asset")]
    public void Properties_match_the_documented_case(string caseName)
    {
        using var tmp = new TempDir();
        var job = JobLoader.Load(CaseFiles.Prepare(tmp, caseName), CaseEnv.GetValueOrDefault, use: JobUse.Tags);

        var actual = TableProperties.Derive(job);

        Assert.Equal(CaseFiles.ExpectedProperties(caseName), actual);
    }

    [Fact]
    public void Case01_legacy_asset_is_migrated_and_job_overrides_win()
    {
        using var tmp = new TempDir();
        var job = JobLoader.Load(CaseFiles.Prepare(tmp, "case01_iceberg_props_job_overrides"), CaseEnv.GetValueOrDefault, use: JobUse.Tags);

        Assert.Equal("data-team@company.com", job.Contract.Owner);
        Assert.Equal(["employee", "hr", "test-data"], job.Contract.Tags);
        Assert.Equal(90, job.Contract.Compliance.RetentionDays);
        var props = TableProperties.Derive(job);
        Assert.Equal("365", props["governance.retention_days"]);
        Assert.Equal("hr,payroll,compliance", props["finops.business_tags"]);
    }

    [Fact]
    public void Source_classification_is_the_lowest_precedence()
    {
        using var tmp = new TempDir();
        var job = JobLoader.Load(CaseFiles.Prepare(tmp, "case01_iceberg_props_job_overrides"), CaseEnv.GetValueOrDefault, use: JobUse.Tags);
        var source = new Dictionary<string, string> { ["job_id"] = "Internal", ["email"] = "public", ["first_name"] = "public" };

        var props = TableProperties.Derive(job, source);

        Assert.Equal("internal", props["classification.fields.job_id"]);       // only the source says something
        Assert.Equal("pii", props["classification.fields.first_name"]);        // contract beats source
        Assert.Equal("high_pii", props["classification.fields.email"]);        // job override beats both
    }

    [Fact]
    public void Governance_overrides_reach_infrastructure_tags_too()
    {
        using var tmp = new TempDir();
        var job = JobLoader.Load(CaseFiles.Prepare(tmp, "case01_iceberg_props_job_overrides"), CaseEnv.GetValueOrDefault, use: JobUse.Tags);

        var tags = InfrastructureTags.Derive(job);

        Assert.Equal("365", tags["RetentionDays"]);
        Assert.Equal("hr-data-team@acme.com", tags["Owner"]);
        Assert.Equal("pii", tags["DataClassification"]);
        Assert.Equal("true", tags["ContainsPII"]);
        Assert.Equal("HR-001", tags["CostCenter"]);
        Assert.Equal("hr/payroll/compliance", tags["BusinessTags"]);
    }

    [Fact]
    public void Empty_owner_override_removes_the_owner()
    {
        using var tmp = new TempDir();
        var path = CaseFiles.Prepare(tmp, "case01_iceberg_props_job_overrides");
        File.WriteAllText(path, File.ReadAllText(path).Replace("owner: hr-data-team@acme.com", "owner: \"\""));
        var job = JobLoader.Load(path, CaseEnv.GetValueOrDefault, use: JobUse.Tags);

        Assert.False(TableProperties.Derive(job).ContainsKey("governance.owner"));
        Assert.Null(InfrastructureTags.Derive(job)["Owner"]);
    }
}
