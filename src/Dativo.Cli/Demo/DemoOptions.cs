namespace Dativo.Cli.Demo;

/// <summary>What <c>dativo demo</c> does: <see cref="Days"/> days ending at <see cref="EndDate"/>, <see cref="Rows"/> shipments in all, under <see cref="Folder"/>.</summary>
internal sealed record DemoOptions(long Rows, int Days, string Folder, ulong Seed, DateOnly EndDate, bool Progress)
{
    public DateOnly StartDate => EndDate.AddDays(1 - Days);

    /// <summary>Every day gets the same number of shipments: <see cref="Rows"/> rounded up to a multiple of <see cref="Days"/>.</summary>
    public long RowsPerDay => (Rows + Days - 1) / Days;

    /// <summary>The shipments the demo writes in all (what it says it writes).</summary>
    public long TotalRows => RowsPerDay * Days;

    public string Lake => Path.Combine(Folder, "lake");

    public string State => Path.Combine(Folder, "state.db");

    public string Logs => Path.Combine(Folder, "logs");

    public string Report => Path.Combine(Folder, "report.html");

    public string PipelineFile => Path.Combine(Folder, "pipelines", "shipments_daily.yaml");
}
