namespace Dativo.Ingestion.Schema;

/// <summary>One column of the target table: Iceberg field id, name, kind, nullability, decimal precision/scale.</summary>
internal sealed record TargetColumn(int FieldId, string Name, ColumnKind Kind, bool Required, int Precision = 0, int Scale = 0)
{
    /// <summary>Column the pipeline fills itself (ingest_date, the warn-mode invalid-values column), not read from the source.</summary>
    public bool Generated { get; init; }

    /// <summary>The contract says the field is required (a null is rejected, or flagged in warn mode).</summary>
    public bool ContractRequired { get; init; }
}
