namespace Dativo.Lake.Iceberg.Types;

/// <summary>A table schema: top-level columns with unique field ids (nested ids included).</summary>
public sealed class IcebergSchema
{
    private readonly Dictionary<int, NestedField> _byId = [];
    private readonly Dictionary<string, NestedField> _byName = new(StringComparer.Ordinal);

    public IcebergSchema(int schemaId, IReadOnlyList<NestedField> columns, IReadOnlyList<int>? identifierFieldIds = null)
    {
        SchemaId = schemaId;
        Columns = columns;
        IdentifierFieldIds = identifierFieldIds ?? [];
        foreach (var c in columns) Index(c, c.Name);
    }

    public int SchemaId { get; }

    public IReadOnlyList<NestedField> Columns { get; }

    public IReadOnlyList<int> IdentifierFieldIds { get; }

    public StructType AsStruct() => new(Columns);

    /// <summary>Highest field id used anywhere in the schema.</summary>
    public int HighestFieldId => _byId.Count == 0 ? 0 : _byId.Keys.Max();

    public NestedField? FindField(int id) => _byId.GetValueOrDefault(id);

    /// <summary>Finds a field by its dotted name (top-level names need no dots).</summary>
    public NestedField? FindField(string name) => _byName.GetValueOrDefault(name);

    public NestedField Field(int id) => FindField(id) ?? throw new KeyNotFoundException($"no field with id {id} in schema {SchemaId}");

    public IcebergSchema WithId(int schemaId) => new(schemaId, Columns, IdentifierFieldIds);

    private void Index(NestedField f, string path)
    {
        _byId[f.Id] = f;
        _byName.TryAdd(path, f);
        switch (f.Type)
        {
            case StructType s:
                foreach (var c in s.Fields) Index(c, path + "." + c.Name);
                break;
            case ListType l:
                Index(new NestedField(l.ElementId, "element", l.ElementRequired, l.Element), path + ".element");
                break;
            case MapType m:
                Index(new NestedField(m.KeyId, "key", true, m.Key), path + ".key");
                Index(new NestedField(m.ValueId, "value", m.ValueRequired, m.Value), path + ".value");
                break;
        }
    }
}
