using System.Text.Json.Nodes;
using Dativo.Aws;

namespace Dativo.Lake.Catalog.Glue;

/// <summary>
/// The AWS Glue Data Catalog as an Iceberg catalog, registered the way Athena, EMR and Iceberg Java's GlueCatalog expect:
/// a namespace is a Glue database; a table is an <c>EXTERNAL_TABLE</c> with parameters <c>table_type=ICEBERG</c>,
/// <c>metadata_location</c> and, after a commit, <c>previous_metadata_location</c>, and its storage location. A commit
/// reads the table, checks the pointer it expects and updates with the <c>VersionId</c> it read: Glue refuses the
/// update when another writer changed the table in between (optimistic concurrency), so a commit is a compare-and-swap.
/// </summary>
internal sealed class GlueCatalog(string name, AwsJsonClient glue, string? catalogId) : ICatalog
{
    internal const string IcebergType = "ICEBERG";
    private const string NameMember = "Name";

    public string Name { get; } = name;

    public async Task CreateNamespaceAsync(string ns, IReadOnlyDictionary<string, string>? properties = null, CancellationToken ct = default)
    {
        var input = new JsonObject { [NameMember] = ns };
        if (properties is { Count: > 0 }) input["Parameters"] = Strings(properties);
        try
        {
            await CallAsync("CreateDatabase", new JsonObject { ["DatabaseInput"] = input }, ct).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Code == "AlreadyExistsException")
        {
            // creating a namespace is idempotent, as in the SQL catalog
        }
    }

    public async Task<IReadOnlyList<string>> ListNamespacesAsync(CancellationToken ct = default)
    {
        var names = new List<string>();
        await foreach (var db in PagesAsync("GetDatabases", [], "DatabaseList", ct).ConfigureAwait(false))
            if (db[NameMember]?.GetValue<string>() is { } n) names.Add(n);
        return names;
    }

    public async Task<IReadOnlyList<TableIdentifier>> ListTablesAsync(string ns, CancellationToken ct = default)
    {
        var tables = new List<TableIdentifier>();
        try
        {
            await foreach (var t in PagesAsync("GetTables", new JsonObject { ["DatabaseName"] = ns }, "TableList", ct).ConfigureAwait(false))
                if (IsIceberg(t) && t[NameMember]?.GetValue<string>() is { } n) tables.Add(new TableIdentifier(ns, n));
        }
        catch (AwsServiceException e) when (e.Code == "EntityNotFoundException")
        {
            return [];
        }
        return tables;
    }

    public async Task<string?> LoadMetadataLocationAsync(TableIdentifier table, CancellationToken ct = default) =>
        await GetAsync(table, ct).ConfigureAwait(false) is { } t ? Pointer(t.Table, table) : null;

    public async Task<bool> CreateTableAsync(TableIdentifier table, string metadataLocation, CancellationToken ct = default)
    {
        await CreateNamespaceAsync(table.Namespace, null, ct).ConfigureAwait(false);
        var input = TableInput(table, metadataLocation, previous: null);
        try
        {
            await CallAsync("CreateTable", new JsonObject { ["DatabaseName"] = table.Namespace, ["TableInput"] = input }, ct).ConfigureAwait(false);
            return true;
        }
        catch (AwsServiceException e) when (e.Code == "AlreadyExistsException")
        {
            return false;
        }
    }

    public async Task<bool> SwapMetadataLocationAsync(TableIdentifier table, string expectedMetadataLocation, string newMetadataLocation, CancellationToken ct = default)
    {
        if (await GetAsync(table, ct).ConfigureAwait(false) is not { } current) return false;
        if (!string.Equals(Pointer(current.Table, table), expectedMetadataLocation, StringComparison.Ordinal)) return false;
        var request = new JsonObject
        {
            ["DatabaseName"] = table.Namespace,
            ["TableInput"] = TableInput(table, newMetadataLocation, previous: expectedMetadataLocation, keep: current.Table),
            // a new Glue table version per commit would pile up thousands of versions for a daily job
            ["SkipArchive"] = true,
        };
        if (current.VersionId is not null) request["VersionId"] = current.VersionId;
        try
        {
            await CallAsync("UpdateTable", request, ct).ConfigureAwait(false);
            return true;
        }
        catch (AwsServiceException e) when (e.Code is "ConcurrentModificationException" or "EntityNotFoundException")
        {
            return false;
        }
    }

    public async Task<bool> DropTableAsync(TableIdentifier table, CancellationToken ct = default)
    {
        try
        {
            await CallAsync("DeleteTable", new JsonObject { ["DatabaseName"] = table.Namespace, [NameMember] = table.Name }, ct).ConfigureAwait(false);
            return true;
        }
        catch (AwsServiceException e) when (e.Code == "EntityNotFoundException")
        {
            return false;
        }
    }

    private async Task<(JsonObject Table, string? VersionId)?> GetAsync(TableIdentifier table, CancellationToken ct)
    {
        try
        {
            var answer = await CallAsync("GetTable", new JsonObject { ["DatabaseName"] = table.Namespace, [NameMember] = table.Name }, ct).ConfigureAwait(false);
            if (answer["Table"] is not JsonObject t) return null;
            return (t, t["VersionId"]?.GetValue<string>());
        }
        catch (AwsServiceException e) when (e.Code == "EntityNotFoundException")
        {
            return null;
        }
    }

    /// <summary>The metadata pointer of a Glue table; a Glue table that is not an Iceberg table is refused by name.</summary>
    private static string? Pointer(JsonObject table, TableIdentifier id)
    {
        if (!IsIceberg(table))
            throw new Core.Errors.DativoException($"Glue table {id} is not an Iceberg table (its parameter table_type is not ICEBERG): choose another table name, or drop the Glue table first");
        return table["Parameters"]?["metadata_location"]?.GetValue<string>();
    }

    private static bool IsIceberg(JsonNode table) =>
        string.Equals(table["Parameters"]?["table_type"]?.GetValue<string>(), IcebergType, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The table as Glue stores it. On a commit the parameters and description another tool set are kept (UpdateTable
    /// replaces the whole TableInput), only the pointers change.
    /// </summary>
    private static JsonObject TableInput(TableIdentifier table, string metadataLocation, string? previous, JsonObject? keep = null)
    {
        var parameters = new JsonObject();
        if (keep?["Parameters"] is JsonObject old)
            foreach (var (k, v) in old) parameters[k] = v?.DeepClone();
        parameters["table_type"] = IcebergType;
        parameters["metadata_location"] = metadataLocation;
        if (previous is not null) parameters["previous_metadata_location"] = previous;
        else parameters.Remove("previous_metadata_location");
        var input = new JsonObject
        {
            [NameMember] = table.Name,
            ["TableType"] = "EXTERNAL_TABLE",
            ["Parameters"] = parameters,
            ["StorageDescriptor"] = new JsonObject { ["Location"] = TableLocation(metadataLocation) },
        };
        if (keep?["Description"]?.GetValue<string>() is { } description) input["Description"] = description;
        return input;
    }

    /// <summary>The table's folder: the metadata file's location without <c>/metadata/&lt;file&gt;</c>.</summary>
    internal static string TableLocation(string metadataLocation)
    {
        var slash = metadataLocation.LastIndexOf('/');
        var folder = slash < 0 ? metadataLocation : metadataLocation[..slash];
        return folder.EndsWith("/metadata", StringComparison.Ordinal) ? folder[..^"/metadata".Length] : folder;
    }

    private async IAsyncEnumerable<JsonObject> PagesAsync(string operation, JsonObject request, string listMember, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        string? next = null;
        do
        {
            var page = (JsonObject)request.DeepClone();
            if (next is not null) page["NextToken"] = next;
            var answer = await CallAsync(operation, page, ct).ConfigureAwait(false);
            if (answer[listMember] is JsonArray items)
                foreach (var item in items)
                    if (item is JsonObject o) yield return o;
            next = answer["NextToken"]?.GetValue<string>();
        }
        while (!string.IsNullOrEmpty(next));
    }

    private Task<JsonObject> CallAsync(string operation, JsonObject request, CancellationToken ct)
    {
        if (catalogId is not null) request["CatalogId"] = catalogId;
        return glue.CallAsync(operation, request, ct);
    }

    private static JsonObject Strings(IReadOnlyDictionary<string, string> values)
    {
        var o = new JsonObject();
        foreach (var (k, v) in values) o[k] = v;
        return o;
    }
}
