using Dativo.Core.Tags;

namespace Dativo.Core.Tests;

public class LineageTagsTests
{
    [Fact]
    public void Agreeing_governance_is_inherited_conflicts_are_dropped_and_retention_is_the_longest()
    {
        var orders = new Dictionary<string, string>
        {
            ["governance.owner"] = "sales@acme.com", ["governance.retention_days"] = "30", ["classification.default"] = "pii",
            ["finops.cost_center"] = "FIN-1", ["classification.fields.email"] = "pii", ["asset.name"] = "orders", ["dativo.query"] = "x",
        };
        var customers = new Dictionary<string, string>
        {
            ["governance.owner"] = "crm@acme.com", ["governance.retention_days"] = "365", ["classification.default"] = "pii", ["finops.cost_center"] = "FIN-1",
        };

        var inherited = LineageTags.Inherit([orders, customers]);

        Assert.Equal(new Dictionary<string, string>
        {
            ["classification.default"] = "pii", ["finops.cost_center"] = "FIN-1", ["governance.retention_days"] = "365",
        }, inherited);
    }
}
