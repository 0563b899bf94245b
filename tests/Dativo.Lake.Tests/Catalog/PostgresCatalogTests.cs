using Dativo.Lake.Catalog;
using Dativo.Testing.Services;

namespace Dativo.Lake.Tests.Catalog;

public sealed class PostgresCatalogTests(PostgresDatabaseFixture db) : CatalogContractTests, IClassFixture<PostgresDatabaseFixture>
{
    protected override ICatalog NewCatalog(string name = "test") =>
        Catalogs.Open(new CatalogOptions { Name = name, Uri = db.ConnectionString });

    protected override void SkipIfUnavailable() => Skip.If(db.SkipReason is not null, db.SkipReason);

    [SkippableFact]
    public async Task Accepts_a_postgresql_uri()
    {
        SkipIfUnavailable();
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString);
        var catalog = Catalogs.Open(new CatalogOptions { Name = "uri", Uri = $"postgresql://postgres@{builder.Host}:{builder.Port}/{builder.Database}" });
        Assert.True(await catalog.CreateTableAsync(new TableIdentifier("n", "t"), "loc"));
        Assert.Equal("loc", await NewCatalog("uri").LoadMetadataLocationAsync(new TableIdentifier("n", "t")));
    }
}
