using System.Globalization;
using Dativo.Lake.Engine;
using Spectre.Console;

namespace Dativo.Cli.Commands;

/// <summary>Prints query results as Spectre.Console tables on the command's output writer.</summary>
internal static class ResultTables
{
    public static IAnsiConsole Console(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(output),
        Ansi = Environment.GetEnvironmentVariable("NO_COLOR") is null ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = Environment.GetEnvironmentVariable("NO_COLOR") is null ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = InteractionSupport.No,
    });
        if (System.Console.IsOutputRedirected || !ReferenceEquals(output, System.Console.Out)) console.Profile.Width = 160;
        return console;
    }

    /// <summary>Prints up to <paramref name="maxRows"/> rows; a result with more rows says so.</summary>
    public static void Print(IAnsiConsole console, string title, QueryResult result, int maxRows)
    {
        var table = new Table { Title = new TableTitle(title) };
        foreach (var c in result.Columns)
        {
            var col = new TableColumn(new Text(c.Name));
            if (IsNumeric(c.ClrType)) col.RightAligned();
            table.AddColumn(col);
        }
        foreach (var row in result.Rows.Take(maxRows))
            table.AddRow(row.Select((v, i) => (Spectre.Console.Rendering.IRenderable)new Text(Format(v, result.Columns[i].DuckDbType))).ToArray());
        if (result.Rows.Count > maxRows) table.Caption = new TableTitle($"first {maxRows} rows shown");
        console.Write(table);
    }

    private static bool IsNumeric(Type t) => t == typeof(double) || t == typeof(float) || t == typeof(long) || t == typeof(int) || t == typeof(decimal) || t == typeof(System.Numerics.BigInteger);

    private static string Format(object? v, string duckDbType) => v switch
    {
        double d => d.ToString("0.######", CultureInfo.InvariantCulture), // display only; files keep full precision
        _ => CliFormat.Text(v, duckDbType) ?? "",
    };
}
