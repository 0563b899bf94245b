using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Dativo.Core.Errors;
using Dativo.Lake.State;
using Dativo.Testing.Services;

namespace Dativo.Lake.Tests.State;

/// <summary>The state store conformance suite on DynamoDB (dynalite on 127.0.0.1), plus what is DynamoDB's own.</summary>
public sealed class DynamoStateStoreTests(DynaliteFixture dynamo) : StateStoreContractTests, IClassFixture<DynaliteFixture>
{
    private readonly string _table = DynaliteFixture.NewTable();

    protected override IStateStore NewStore() => StateStores.Open(new StateStoreOptions { Uri = dynamo.StateUri(_table), Time = Clock, Environment = _ => null });

    protected override void SkipIfUnavailable() => Skip.If(dynamo.SkipReason is not null, dynamo.SkipReason);

    protected override async Task<long> CountRowsAsync(string key)
    {
        using var client = RawClient();
        var r = await client.GetItemAsync(new GetItemRequest
        {
            TableName = _table, ConsistentRead = true,
            Key = new() { ["namespace"] = new AttributeValue { S = Ns }, ["state_key"] = new AttributeValue { S = key } },
        });
        return r.Item is { Count: > 0 } ? 1 : 0;
    }

    [SkippableFact]
    public async Task Table_is_created_on_first_use_and_a_foreign_table_is_refused()
    {
        SkipIfUnavailable();
        Assert.Null(await NewStore().GetAsync(Ns, "k"));
        using var client = RawClient();
        var t = (await client.DescribeTableAsync(_table)).Table;
        Assert.Equal(["namespace:HASH", "state_key:RANGE"], t.KeySchema.Select(k => $"{k.AttributeName}:{k.KeyType.Value}"));

        var foreign = DynaliteFixture.NewTable();
        await client.CreateTableAsync(new CreateTableRequest
        {
            TableName = foreign, BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("id", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("id", KeyType.HASH)],
        });
        var store = StateStores.Open(new StateStoreOptions { Uri = dynamo.StateUri(foreign), Time = Clock, Environment = _ => null });
        var e = await Assert.ThrowsAsync<DativoException>(() => store.GetAsync(Ns, "k"));
        Assert.Contains(foreign, e.Message);
        Assert.Contains("namespace:HASH", e.Message);
    }

    [Fact]
    public void State_uris_are_checked()
    {
        string Error(string uri) => Assert.Throws<DativoException>(() => StateStores.Open(new StateStoreOptions { Uri = uri, Environment = _ => null })).Message;
        Assert.Contains("table name", Error("dynamodb://a?region=eu-west-1"));
        Assert.Contains("no AWS region", Error("dynamodb://dativo-state"));
        Assert.Contains("unknown setting 'secret_key'", Error("dynamodb://dativo-state?region=eu-west-1&secret_key=x"));
        Assert.Contains("not an http(s) URL", Error("dynamodb://dativo-state?endpoint=ftp://x"));
        Assert.NotNull(StateStores.Open(new StateStoreOptions { Uri = "dynamodb://dativo-state", Environment = n => n == "AWS_REGION" ? "eu-west-1" : null }));
    }

    private AmazonDynamoDBClient RawClient() => new(new BasicAWSCredentials("x", "x"), new AmazonDynamoDBConfig { ServiceURL = dynamo.Endpoint, AuthenticationRegion = "us-east-1" });
}
