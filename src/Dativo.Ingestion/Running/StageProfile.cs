namespace Dativo.Ingestion.Running;

/// <summary>
/// Time spent per pipeline stage of one job (read/parse on the source task; coerce, write and commit on the
/// runner's). Printed to stderr when <c>DATIVO_PROFILE=1</c>; used to find bottlenecks (bench/ingestion/README.md).
/// </summary>
internal sealed class StageProfile
{
    public TimeSpan Setup { get; set; }
    public TimeSpan Bulk { get; set; }
    public TimeSpan Read { get; set; }
    public TimeSpan Coerce { get; set; }
    public TimeSpan Write { get; set; }
    public TimeSpan Commit { get; set; }

    public void Report(string job, TimeSpan total)
    {
        if (Environment.GetEnvironmentVariable("DATIVO_PROFILE") != "1") return;
        Console.Error.WriteLine(FormattableString.Invariant(
            $"profile {job}: setup {Setup.TotalSeconds:0.000}s  bulk {Bulk.TotalSeconds:0.000}s  read+parse {Read.TotalSeconds:0.000}s  coerce {Coerce.TotalSeconds:0.000}s  write {Write.TotalSeconds:0.000}s  commit {Commit.TotalSeconds:0.000}s  total {total.TotalSeconds:0.000}s"));
    }
}
