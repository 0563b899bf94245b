using System.Diagnostics;

namespace Dativo.Testing.Services;

/// <summary>
/// One throwaway PostgreSQL 15 per test process (initdb in a temp folder, trust auth, 127.0.0.1 on
/// a free port, run as <c>nobody</c> when the tests run as root). Stopped at process exit; a
/// detached watchdog and the next start's stale-folder sweep stop it if the test host crashes.
/// Use <see cref="PostgresDatabaseFixture"/> for a fresh database per test class.
/// </summary>
internal sealed class PostgresServer
{
    private const string ServerUser = "nobody";
    private static readonly Lazy<PostgresServer> Shared = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _databases;

    private PostgresServer(string? skipReason, string? binDir = null, string? dir = null, int port = 0)
    {
        SkipReason = skipReason;
        BinDir = binDir ?? "";
        Dir = dir ?? "";
        Port = port;
    }

    public static PostgresServer Instance => Shared.Value;

    /// <summary>Why the server is unavailable (tests call <c>Skip.If(SkipReason is not null, SkipReason)</c>), or null.</summary>
    public string? SkipReason { get; }

    public string BinDir { get; }

    public string Dir { get; }

    public int Port { get; }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=20;Timeout=30";

    /// <summary>Creates an empty database with a unique name and returns its name.</summary>
    public string CreateDatabase(string prefix)
    {
        if (SkipReason is not null) throw new InvalidOperationException(SkipReason);
        var name = $"{prefix.ToLowerInvariant()}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..6]}";
        var r = ServiceProcesses.Run(Path.Combine(BinDir, "createdb"), ["-h", "127.0.0.1", "-p", Port.ToString(), "-U", "postgres", name]);
        if (r.ExitCode != 0) throw new InvalidOperationException($"createdb {name} failed: {r.Output}");
        return name;
    }

    private static string? FindBinDir()
    {
        var candidates = new List<string?> { Environment.GetEnvironmentVariable("DATIVO_PG_BIN") };
        var onPath = ServiceProcesses.OnPath("initdb");
        if (onPath is not null) candidates.Add(Path.GetDirectoryName(File.ResolveLinkTarget(onPath, returnFinalTarget: true)?.FullName ?? onPath));
        if (File.Exists("/usr/local/bin/initdb"))
            candidates.Add(Path.GetDirectoryName(File.ResolveLinkTarget("/usr/local/bin/initdb", true)?.FullName ?? "/usr/local/bin/initdb"));
        if (Directory.Exists("/usr/lib/postgresql"))
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d, StringComparer.Ordinal).Select(d => Path.Combine(d, "bin")));
        return candidates.FirstOrDefault(d => d is not null && new[] { "initdb", "pg_ctl", "postgres", "createdb" }.All(b => File.Exists(Path.Combine(d, b))));
    }

    private static PostgresServer Start()
    {
        var bin = FindBinDir();
        if (bin is null)
            return new PostgresServer("PostgreSQL binaries (initdb, pg_ctl, postgres, createdb) not found on PATH, /usr/local/bin or /usr/lib/postgresql/*/bin; set DATIVO_PG_BIN");
        if (ServiceProcesses.IsRoot && !File.Exists("/usr/sbin/runuser") && !File.Exists("/sbin/runuser"))
            return new PostgresServer("running as root but runuser is missing: initdb refuses to run as root");

        var dir = ServiceProcesses.NewServiceDir("pg", stale => Stop(bin, stale));
        var data = Path.Combine(dir, "data");
        var init = ServiceProcesses.Run(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], ServerUser, dir);
        if (init.ExitCode != 0)
        {
            ServiceProcesses.TryDeleteDir(dir);
            return new PostgresServer($"initdb failed: {init.Output}");
        }

        string lastError = "";
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = ServiceProcesses.FreePort();
            var settings = $"-c listen_addresses=127.0.0.1 -p {port} -k {dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
            var start = ServiceProcesses.Run(Path.Combine(bin, "pg_ctl"), ["-D", data, "-l", Path.Combine(dir, "server.log"), "-w", "-t", "60", "-o", settings, "start"], ServerUser, dir);
            if (start.ExitCode == 0)
            {
                ServiceProcesses.StartWatchdog(StopCommand(bin, dir));
                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    Stop(bin, dir);
                    ServiceProcesses.TryDeleteDir(dir);
                };
                return new PostgresServer(null, bin, dir, port);
            }
            lastError = start.Output + ReadLog(dir);
        }
        ServiceProcesses.TryDeleteDir(dir);
        return new PostgresServer($"pg_ctl start failed: {lastError}");
    }

    private static string ReadLog(string dir)
    {
        try { return File.ReadAllText(Path.Combine(dir, "server.log")); } catch (IOException) { return ""; }
    }

    private static void Stop(string bin, string dir)
    {
        if (!File.Exists(Path.Combine(dir, "data", "postmaster.pid"))) return;
        ServiceProcesses.Run(Path.Combine(bin, "pg_ctl"), ["-D", Path.Combine(dir, "data"), "-m", "immediate", "-w", "stop"], ServerUser, dir, 30);
    }

    private static string StopCommand(string bin, string dir)
    {
        var pgCtl = ServiceProcesses.ShellQuote(Path.Combine(bin, "pg_ctl"));
        var data = ServiceProcesses.ShellQuote(Path.Combine(dir, "data"));
        var runAs = ServiceProcesses.IsRoot ? $"runuser -u {ServerUser} -- " : "";
        return $"[ -f {data}/postmaster.pid ] && cd / && {runAs}{pgCtl} -D {data} -m immediate -w stop >/dev/null 2>&1; rm -rf {ServiceProcesses.ShellQuote(dir)}";
    }
}

/// <summary>A fresh database on the shared <see cref="PostgresServer"/> for one test class (<c>IClassFixture</c>).</summary>
public sealed class PostgresDatabaseFixture
{
    public PostgresDatabaseFixture()
    {
        var server = PostgresServer.Instance;
        SkipReason = server.SkipReason;
        if (SkipReason is not null)
        {
            Console.WriteLine("[PostgresServer] skipped: " + SkipReason);
            return;
        }
        Database = server.CreateDatabase("t");
        ConnectionString = server.ConnectionString(Database);
    }

    /// <summary>Null when PostgreSQL is available; else why not (use with <c>Skip.If</c>).</summary>
    public string? SkipReason { get; }

    public string Database { get; } = "";

    /// <summary>Npgsql connection string of this class's database.</summary>
    public string ConnectionString { get; } = "";
}
