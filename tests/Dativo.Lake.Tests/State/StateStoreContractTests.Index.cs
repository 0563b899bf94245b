using System.Globalization;
using System.Text.Json.Nodes;
using Dativo.Lake.State;

namespace Dativo.Lake.Tests.State;

/// <summary>The index of entries by time (<see cref="IStateIndex"/>): order, filters, keyset paging, and rows that disagree with their entries.</summary>
public abstract partial class StateStoreContractTests
{
    private IStateIndex NewIndex() => Assert.IsAssignableFrom<IStateIndex>(NewStore());

    /// <summary>An entry that says its own time, group and status (what the projection reads back).</summary>
    private static string Doc(DateTimeOffset at, string group, string status) =>
        new JsonObject { ["at"] = at.ToUnixTimeMilliseconds(), ["group"] = group, ["status"] = status }.ToJsonString();

    private static StateIndexEntry? Project(StateEntry e)
    {
        var o = JsonNode.Parse(e.Json)!.AsObject();
        return new StateIndexEntry(DateTimeOffset.FromUnixTimeMilliseconds(o["at"]!.GetValue<long>()), o["group"]!.GetValue<string>(), o["status"]!.GetValue<string>(), e.Json);
    }

    private async Task<StatePutResult> PutAsync(IStateIndex s, string key, DateTimeOffset at, string group, string status, long? expected = null, TimeSpan? ttl = null)
    {
        var json = Doc(at, group, status);
        return await s.PutIndexedAsync(Ns, key, json, new StateIndexEntry(at, group, status, json), expected, ttl);
    }

    private async Task<List<string>> KeysAsync(StateIndexQuery q) => (await NewIndex().QueryIndexAsync(Ns, q, Project)).Rows.Select(r => r.Key).ToList();

    [SkippableFact]
    public async Task Index_lists_newest_first_with_filters_and_keyset_paging()
    {
        SkipIfUnavailable();
        var t0 = Clock.GetUtcNow();
        var s = NewIndex();
        await PutAsync(s, "a", t0.AddMinutes(1), "g1", "OK");
        await PutAsync(s, "b", t0.AddMinutes(2), "g2", "FAIL");
        await PutAsync(s, "c", t0.AddMinutes(3), "g1", "OK");
        await PutAsync(s, "d", t0.AddMinutes(3), "g2", "OK"); // as new as c: the greater key first
        await PutAsync(s, "e", t0.AddMinutes(5), "g1", "FAIL");
        await ((IStateStore)s).PutAsync(Ns + "-other", "z", Doc(t0, "g1", "OK"));

        Assert.Equal(["e", "d", "c", "b", "a"], await KeysAsync(new StateIndexQuery(10)));
        Assert.Equal(["e", "c", "a"], await KeysAsync(new StateIndexQuery(10, Group: "g1")));
        Assert.Equal(["e", "b"], await KeysAsync(new StateIndexQuery(10, Statuses: ["FAIL"])));
        Assert.Equal(["d", "c", "b"], await KeysAsync(new StateIndexQuery(10, Since: t0.AddMinutes(2), Until: t0.AddMinutes(5))));
        Assert.Equal(["c", "a"], await KeysAsync(new StateIndexQuery(10, Group: "g1", Statuses: ["OK"])));

        // keyset paging: pages of 2 add up to the whole list, each row once
        var seen = new List<string>();
        StateIndexCursor? next = null;
        var pages = 0;
        do
        {
            var page = await NewIndex().QueryIndexAsync(Ns, new StateIndexQuery(2, Before: next), Project);
            seen.AddRange(page.Rows.Select(r => r.Key));
            next = page.Next;
            pages++;
        }
        while (next is not null);
        Assert.Equal(["e", "d", "c", "b", "a"], seen);
        Assert.Equal(3, pages);
        var g1Page = await NewIndex().QueryIndexAsync(Ns, new StateIndexQuery(2, Group: "g1"), Project);
        Assert.Equal(["e", "c"], g1Page.Rows.Select(r => r.Key));
        Assert.Equal(["a"], await KeysAsync(new StateIndexQuery(2, Group: "g1", Before: g1Page.Next)));

        // a row carries the summary as written and the entry's version
        var row = (await NewIndex().QueryIndexAsync(Ns, new StateIndexQuery(1), Project)).Rows.Single();
        Assert.Equal(("e", t0.AddMinutes(5).ToUnixTimeMilliseconds(), "g1", "FAIL", 1L), (row.Key, row.AtMs, row.Group, row.Status, row.Version));
        Assert.Equal(Doc(t0.AddMinutes(5), "g1", "FAIL"), row.Summary);

        // a rewrite moves the row (once), a delete and an expiry remove it, a conflicting write changes nothing
        Assert.True((await PutAsync(s, "a", t0.AddMinutes(10), "g1", "FAIL", expected: 1)).Succeeded);
        Assert.True((await PutAsync(s, "e", t0.AddMinutes(20), "g1", "OK", expected: 7)).Conflict);
        Assert.True(await ((IStateStore)s).DeleteAsync(Ns, "b"));
        await PutAsync(s, "t", t0.AddMinutes(4), "g2", "OK", ttl: TimeSpan.FromMinutes(30));
        Assert.Equal(["a", "e", "t", "d", "c"], await KeysAsync(new StateIndexQuery(10)));
        Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(["a", "e", "d", "c"], await KeysAsync(new StateIndexQuery(10)));
        Assert.Equal(["a", "e"], await KeysAsync(new StateIndexQuery(10, Statuses: ["FAIL"])));
    }

    [SkippableFact]
    public async Task Index_lists_entries_written_without_their_row_and_corrects_rows_from_their_entries()
    {
        SkipIfUnavailable();
        var t0 = Clock.GetUtcNow();
        var plain = NewStore();
        // entries stored before the index existed (or by a writer that does not index): found on the first query
        await plain.PutAsync(Ns, "old-1", Doc(t0.AddMinutes(1), "g", "OK"));
        await plain.PutAsync(Ns, "old-2", Doc(t0.AddMinutes(2), "g", "FAIL"));
        var s = NewIndex();
        await PutAsync(s, "new", t0.AddMinutes(3), "g", "RUNNING");
        Assert.Equal(["new", "old-2", "old-1"], await KeysAsync(new StateIndexQuery(10)));
        Assert.Equal(["old-2"], await KeysAsync(new StateIndexQuery(10, Statuses: ["FAIL"])));

        // a row whose entry changed without it (a plain write, a crash between the two writes) is corrected from the entry
        await plain.PutAsync(Ns, "new", Doc(t0.AddMinutes(3), "g", "OK"));
        await plain.PutAsync(Ns, "old-1", Doc(t0.AddMinutes(9), "g", "OK"));
        var rows = (await NewIndex().QueryIndexAsync(Ns, new StateIndexQuery(10), Project)).Rows;
        Assert.Equal([("old-1", "OK", 2L), ("new", "OK", 2L), ("old-2", "FAIL", 1L)], rows.Select(r => (r.Key, r.Status, r.Version)));
        Assert.Empty(await KeysAsync(new StateIndexQuery(10, Statuses: ["RUNNING"])));

        // the same store object notices a plain write made after its last query
        var same = NewIndex();
        Assert.Equal(3, (await same.QueryIndexAsync(Ns, new StateIndexQuery(10), Project)).Rows.Count);
        await ((IStateStore)same).PutAsync(Ns, "later", Doc(t0.AddMinutes(30), "g", "OK"));
        Assert.Equal("later", (await same.QueryIndexAsync(Ns, new StateIndexQuery(10), Project)).Rows[0].Key);
        Assert.Equal(t0.AddMinutes(9).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            (await same.QueryIndexAsync(Ns, new StateIndexQuery(2), Project)).Rows[1].AtMs.ToString(CultureInfo.InvariantCulture));
    }
}
