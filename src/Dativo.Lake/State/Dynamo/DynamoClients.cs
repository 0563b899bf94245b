using Amazon;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace Dativo.Lake.State.Dynamo;

internal static class DynamoClients
{
    /// <summary>
    /// Credentials from the SDK's default chain (env, profile, web identity, instance role). An endpoint override with no
    /// credentials in the environment is an emulator: it gets placeholder keys instead of a slow instance-metadata lookup.
    /// </summary>
    public static IAmazonDynamoDB Create(DynamoLocation where, Func<string, string?> env)
    {
        var config = new AmazonDynamoDBConfig { RetryMode = RequestRetryMode.Standard, MaxErrorRetry = 6 };
        if (where.Endpoint is not null)
        {
            config.ServiceURL = where.Endpoint;
            config.AuthenticationRegion = where.Region ?? "us-east-1";
            if (string.IsNullOrEmpty(env("AWS_ACCESS_KEY_ID")) && string.IsNullOrEmpty(env("AWS_PROFILE")))
                return new AmazonDynamoDBClient(new BasicAWSCredentials("dativo-local", "dativo-local"), config);
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(where.Region);
        }
        return new AmazonDynamoDBClient(config);
    }
}

/// <summary>Creates the state table on first use (on-demand capacity) and waits until it is active.</summary>
internal static class DynamoTables
{
    public static async Task EnsureAsync(IAmazonDynamoDB client, string table, CancellationToken ct)
    {
        for (var i = 0; i < 120; i++)
        {
            TableDescription described;
            try
            {
                described = (await client.DescribeTableAsync(new DescribeTableRequest { TableName = table }, ct)).Table;
            }
            catch (ResourceNotFoundException)
            {
                try
                {
                    await client.CreateTableAsync(new CreateTableRequest
                    {
                        TableName = table,
                        BillingMode = BillingMode.PAY_PER_REQUEST,
                        AttributeDefinitions =
                        [
                            new AttributeDefinition("namespace", ScalarAttributeType.S),
                            new AttributeDefinition("state_key", ScalarAttributeType.S),
                        ],
                        KeySchema = [new KeySchemaElement("namespace", KeyType.HASH), new KeySchemaElement("state_key", KeyType.RANGE)],
                    }, ct);
                }
                catch (ResourceInUseException)
                {
                    // another process created it at the same moment
                }
                continue;
            }
            CheckKeys(table, described);
            if (described.TableStatus == TableStatus.ACTIVE) return;
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 * (i + 1))), TimeProvider.System, ct);
        }
        throw new Core.Errors.DativoException($"DynamoDB table {table} did not become ACTIVE; check it in the console");
    }

    private static void CheckKeys(string table, TableDescription t)
    {
        var keys = (t.KeySchema ?? []).Select(k => $"{k.AttributeName}:{k.KeyType?.Value}").ToList();
        if (keys.SequenceEqual(["namespace:HASH", "state_key:RANGE"])) return;
        throw new Core.Errors.DativoException(
            $"DynamoDB table {table} exists with key schema [{string.Join(", ", keys)}], not the state store's [namespace:HASH, state_key:RANGE]; " +
            "give the state store a table of its own (dynamodb://ANOTHER_TABLE) and Dativo creates it");
    }
}
