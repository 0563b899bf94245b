using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Dativo.Core.Errors;
using Dativo.Lake.State;
using Dativo.Lake.State.Dynamo;
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

    [SkippableFact]
    public async Task Index_rows_of_writes_that_never_reached_their_entry_are_skipped_then_removed()
    {
        SkipIfUnavailable();
        var t0 = Clock.GetUtcNow();
        var store = (DynamoStateStore)NewStore();
        StateIndexEntry Row(DateTimeOffset at, string status) => new(at, "g", status, $$"""{"status":"{{status}}"}""");
        StateIndexEntry? Project(StateEntry e) => Row(t0.AddMinutes(1), "from-entry");
        Assert.True((await store.PutIndexedAsync(Ns, "a", "1", Row(t0.AddMinutes(1), "OK"), expectedVersion: 0)).Succeeded);

        // a crash after the row was written and before the entry was: a moved row, a row for an entry that never came
        store.AfterRowWritten = _ => throw new IOException("crash between the row and the entry");
        await Assert.ThrowsAsync<IOException>(() => store.PutIndexedAsync(Ns, "a", "2", Row(t0.AddMinutes(5), "FAIL"), expectedVersion: 1));
        await Assert.ThrowsAsync<IOException>(() => store.PutIndexedAsync(Ns, "ghost", "3", Row(t0.AddMinutes(6), "OK"), expectedVersion: 0));
        // ... and one whose row took the entry's own place (same time) with data the entry never got
        await Assert.ThrowsAsync<IOException>(() => store.PutIndexedAsync(Ns, "a", "4", Row(t0.AddMinutes(1), "LOST"), expectedVersion: 1));
        Assert.Equal(3, await IndexRowsAsync());

        var fresh = (IStateIndex)NewStore();
        var rows = (await fresh.QueryIndexAsync(Ns, new StateIndexQuery(10), Project)).Rows;
        Assert.Equal([("a", t0.AddMinutes(1).ToUnixTimeMilliseconds(), 1L)], rows.Select(r => (r.Key, r.AtMs, r.Version)));
        Assert.Equal("from-entry", rows[0].Status); // the overwritten row was rebuilt from the entry
        Assert.Empty((await fresh.QueryIndexAsync(Ns, new StateIndexQuery(10, Statuses: ["FAIL", "LOST"]), Project)).Rows);

        Clock.Advance(TimeSpan.FromMinutes(11)); // past the grace of a write still under way
        Assert.Single((await fresh.QueryIndexAsync(Ns, new StateIndexQuery(10), Project)).Rows);
        Assert.Equal(1, await IndexRowsAsync());
    }

    private async Task<int> IndexRowsAsync()
    {
        using var client = RawClient();
        var r = await client.QueryAsync(new QueryRequest
        {
            TableName = _table, ConsistentRead = true, KeyConditionExpression = "#ns = :p",
            ExpressionAttributeNames = new() { ["#ns"] = "namespace" },
            ExpressionAttributeValues = new() { [":p"] = new AttributeValue { S = Ns + "\u001Fidx" } },
        });
        return r.Count ?? 0;
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
