using System.Globalization;
using ConnCount.Cluster.Contracts;
using ConnCount.StatsApi.Usage;

namespace ConnCount.Tests.Unit;

/// <summary>The CSV of closed usage periods (<c>Accept: text/csv</c> on <c>GET /api/stats/usage/periods</c>).</summary>
public class UsagePeriodCsvTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static UsagePeriodView View(
        DateTimeOffset start,
        long connectionMs,
        Dictionary<string, long>? nodes = null,
        Dictionary<string, long>? topics = null,
        Dictionary<string, long>? tenants = null) =>
        new(start, start.AddHours(1), 3600, start.AddHours(1).AddSeconds(3), connectionMs, nodes ?? [], 1, topics ?? [], tenants ?? []);

    private static string Csv(params UsagePeriodView[] periods) => new UsagePeriodList(Start, Start.AddDays(1), periods).ToCsv();

    private static string[] Rows(string csv)
    {
        Assert.EndsWith("\r\n", csv, StringComparison.Ordinal);
        return csv[..^2].Split("\r\n");
    }

    [Fact]
    public void No_periods_is_the_header_alone()
    {
        Assert.Equal("period_start,period_end,kind,key,connection_ms\r\n", Csv());
        Assert.Equal("period_start,period_end,kind,key,connection_ms", UsagePeriodList.CsvHeader);
    }

    [Fact]
    public void Every_figure_is_one_row_total_then_nodes_topics_and_tenants()
    {
        var csv = Csv(View(
            Start,
            9000,
            nodes: new() { ["node-a"] = 5000, ["node-b"] = 4000 },
            topics: new() { ["room:1"] = 6000, ["room:2"] = 3000 },
            tenants: new() { ["acme"] = 7000 }));

        Assert.Equal(
            [
                "period_start,period_end,kind,key,connection_ms",
                "2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,total,,9000",
                "2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,node,node-a,5000",
                "2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,node,node-b,4000",
                "2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,topic,room:1,6000",
                "2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,topic,room:2,3000",
                "2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,tenant,acme,7000",
            ],
            Rows(csv));
    }

    [Fact]
    public void Periods_follow_each_other_in_the_list_order()
    {
        var rows = Rows(Csv(View(Start, 1, topics: new() { ["a"] = 1 }), View(Start.AddHours(1), 2)));

        Assert.Equal(
            [
                "period_start,period_end,kind,key,connection_ms",
                "2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,total,,1",
                "2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,topic,a,1",
                "2026-12-01T10:00:00Z,2026-12-01T11:00:00Z,total,,2",
            ],
            rows);
    }

    [Fact]
    public void The_rows_of_a_filtered_view_are_those_of_its_topics_and_tenant()
    {
        var record = new UsagePeriodRecord(
            Start, 3600, Start.AddHours(1), 0, 1, 10,
            new Dictionary<string, long> { ["node-a"] = 10 }, 1,
            new Dictionary<string, long> { ["room:b"] = 4, ["lobby"] = 3, ["room:a"] = 3 },
            new Dictionary<string, long> { ["zeta"] = 6, ["acme"] = 4 });
        var query = new UsagePeriodQuery(Start, Start.AddDays(1), "acme", "room:");

        var rows = Rows(Csv(UsagePeriodView.Of(record, query)));

        Assert.Equal(
            [
                "period_start,period_end,kind,key,connection_ms",
                "2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,total,,10",
                "2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,node,node-a,10",
                "2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,topic,room:a,3",
                "2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,topic,room:b,4",
                "2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,tenant,acme,4",
            ],
            rows);
    }

    [Theory]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("\"", "\"\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("two\r\nlines", "\"two\r\nlines\"")]
    [InlineData("plain:topic 1", "plain:topic 1")]
    [InlineData("élan/日本", "élan/日本")]
    public void A_topic_or_tenant_with_a_comma_quote_or_newline_is_quoted_RFC_4180(string name, string field)
    {
        var csv = Csv(View(Start, 5, topics: new() { [name] = 2 }, tenants: new() { [name] = 3 }));
        var prefix = "2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,";

        Assert.Equal(
            "period_start,period_end,kind,key,connection_ms\r\n"
                + prefix + "total,,5\r\n"
                + prefix + "topic," + field + ",2\r\n"
                + prefix + "tenant," + field + ",3\r\n",
            csv);
    }

    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+cmd", "'+cmd")]
    [InlineData("-2", "'-2")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("\rx", "\"'\rx\"")]
    [InlineData("=a,b", "\"'=a,b\"")]
    [InlineData("a=b", "a=b")]
    [InlineData("'quoted", "'quoted")]
    public void A_key_that_a_spreadsheet_would_run_as_a_formula_gets_a_leading_apostrophe(string name, string field)
    {
        var rows = Rows(Csv(View(Start, 1, nodes: new() { [name] = 1 })));

        Assert.Equal("2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,node," + field + ",1", rows[2]);
    }

    [Fact]
    public void Parsed_back_RFC_4180_every_row_has_its_key_and_figure()
    {
        string[] names = ["a,b", "q\"q", "n\nl", "=x", "plain"];
        var csv = Csv(View(Start, 15, topics: names.Select((n, i) => (n, (long)i + 1)).ToDictionary(p => p.n, p => p.Item2)));

        var records = ParseCsv(csv);

        Assert.Equal(["period_start", "period_end", "kind", "key", "connection_ms"], records[0]);
        Assert.All(records, r => Assert.Equal(5, r.Count));
        Assert.Equal(["a,b", "q\"q", "n\nl", "'=x", "plain"], records.Skip(2).Select(r => r[3]));
        Assert.Equal([1L, 2, 3, 4, 5], records.Skip(2).Select(r => long.Parse(r[4], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Numbers_and_instants_are_written_in_the_invariant_culture_whatever_the_current_one()
    {
        var odd = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        odd.NumberFormat.NegativeSign = "~";
        odd.NumberFormat.NumberGroupSeparator = ".";
        odd.DateTimeFormat.TimeSeparator = ".";
        odd.DateTimeFormat.DateSeparator = "/";
        var view = View(Start, 12_345_678_901, nodes: new() { ["n"] = -5 }, topics: new() { ["t"] = 1_000_000 });
        var expected = Csv(view);

        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = odd;
            Assert.Equal(expected, Csv(view));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }

        Assert.Equal(
            [
                "period_start,period_end,kind,key,connection_ms",
                "2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,total,,12345678901",
                "2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,node,n,-5",
                "2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,topic,t,1000000",
            ],
            Rows(expected));
    }

    [Fact]
    public void Instants_are_written_in_UTC_whatever_offset_the_view_carries()
    {
        var local = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.FromHours(1));

        var rows = Rows(Csv(View(local, 1)));

        Assert.Equal("2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,total,,1", rows[1]);
    }

    /// <summary>A minimal RFC 4180 reader: fields split on commas, quoted fields with doubled quotes, rows on CRLF.</summary>
    private static List<List<string>> ParseCsv(string csv)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < csv.Length; i++)
        {
            var c = csv[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < csv.Length && csv[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < csv.Length && csv[i + 1] == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                rows.Add(row);
                row = [];
                i++;
            }
            else
            {
                field.Append(c);
            }
        }

        Assert.Empty(row);
        return rows;
    }
}
