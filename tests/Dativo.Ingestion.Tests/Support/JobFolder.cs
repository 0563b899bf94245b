using Dativo.Testing;

namespace Dativo.Ingestion.Tests.Support;

/// <summary>A temp working folder with a contract and a job; the default warehouse is ./.local/lake inside it.</summary>
internal sealed class JobFolder : IDisposable
{
    public TempDir Dir { get; } = new("dativo-ing-");
    public string Path => Dir.Path;
    public string Warehouse => System.IO.Path.Combine(Path, ".local", "lake");

    public const string OrdersContract = """
        apiVersion: v3.0.2
        kind: DataContract
        name: orders
        version: "1.0"
        domain: sales
        schema:
          - name: id
            type: bigint
            required: true
          - name: email
            type: string
            classification: PII
          - name: amount
            type: decimal
            precision: 12
            scale: 2
          - name: paid
            type: boolean
          - name: created
            type: timestamp
        team:
          owner: data@acme.com
        compliance:
          classification: [PII]
          retention_days: 30
        """;

    public string Write(string relative, string content) => Dir.File(relative, content);

    public string Job(string name, string source, string files, string extra = "", string contract = OrdersContract, string target = "iceberg")
    {
        Write("contract.yaml", contract);
        return Write(name, $"""
            tenant_id: acme
            source_connector: {source}
            target_connector: {target}
            asset: orders
            asset_path: contract.yaml
            {extra}
            source:
              files:
                - path: {files}
            """);
    }

    public void Dispose() => Dir.Dispose();
}
