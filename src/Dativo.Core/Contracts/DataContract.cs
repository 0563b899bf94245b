namespace Dativo.Core.Contracts;

/// <summary>An ODCS data contract as Dativo uses it, after legacy migration and normalisation.</summary>
public sealed record DataContract
{
    public required string Name { get; init; }
    public required string Version { get; init; }
    public string Status { get; init; } = "active";
    public string? Domain { get; init; }
    public string? DataProduct { get; init; }
    public string? Tenant { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string? SourceType { get; init; }
    public string? Object { get; init; }
    public IReadOnlyList<string> TargetPartitioning { get; init; } = [];
    public required IReadOnlyList<ContractField> Fields { get; init; }
    public required string Owner { get; init; }
    public ContractCompliance Compliance { get; init; } = new();
    public FinOps FinOps { get; init; } = new();

    /// <summary>Where the contract came from (for messages).</summary>
    public string File { get; init; } = "";

    public ContractField? Field(string name) => Fields.FirstOrDefault(f => f.Name == name);
}

public sealed record ContractField
{
    public required string Name { get; init; }
    /// <summary>Normalised type: string, long, int, double, decimal, boolean, date, timestamp, timestamptz, time, binary, uuid.</summary>
    public required string Type { get; init; }
    public bool Required { get; init; }
    public string? Classification { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public int? Precision { get; init; }
    public int? Scale { get; init; }
    public int Line { get; init; }
}

public sealed record ContractCompliance
{
    public IReadOnlyList<string> Classification { get; init; } = [];
    public IReadOnlyList<string> Regulations { get; init; } = [];
    public int? RetentionDays { get; init; }
    public string? AccessControl { get; init; }
    public bool? EncryptionRequired { get; init; }
}

public sealed record FinOps
{
    public string? CostCenter { get; init; }
    public string? Project { get; init; }
    public string? Environment { get; init; }
    public IReadOnlyList<string>? BusinessTags { get; init; }

    /// <summary>Per-key merge: values of <paramref name="over"/> win; lists are replaced, not merged.</summary>
    public FinOps MergedWith(FinOps? over) => over is null ? this : new FinOps
    {
        CostCenter = NonEmpty(over.CostCenter) ?? CostCenter,
        Project = NonEmpty(over.Project) ?? Project,
        Environment = NonEmpty(over.Environment) ?? Environment,
        BusinessTags = over.BusinessTags ?? BusinessTags,
    };

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
