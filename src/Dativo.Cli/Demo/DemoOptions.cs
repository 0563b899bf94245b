namespace Dativo.Cli.Demo;

/// <summary>What <c>dativo demo</c> does: <see cref="Days"/> days ending at <see cref="EndDate"/>, <see cref="Rows"/> shipments in all, under <see cref="Folder"/>.</summary>
internal sealed record DemoOptions(long Rows, int Days, string Folder, ulong Seed, DateOnly EndDate, bool Progress)
{
    public DateOnly StartDate => EndDate.AddDays(1 - Days);

    public long RowsPerDay => (Rows + Days - 1) / Days;

    public string Lake => Path.Combine(Folder, "lake");

    public string State => Path.Combine(Folder, "state.db");

    public string Logs => Path.Combine(Folder, "logs");

    public string Report => Path.Combine(Folder, "report.html");

    public string PipelineFile => Path.Combine(Folder, "pipelines", "shipments_daily.yaml");
}
