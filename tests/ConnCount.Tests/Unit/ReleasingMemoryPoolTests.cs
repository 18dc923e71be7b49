using System.Buffers;
using System.Net;
using System.Runtime.InteropServices;
using ConnCount.ServiceDefaults.Buffers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ConnCount.Tests.Unit;

/// <summary>
/// Kestrel's buffer pool gives the pages of blocks unused for a whole period back to the operating system, and never
/// those of a rented block. A released page reads as zeros on its next touch: that is how these tests see the kernel
/// took it back.
/// </summary>
public class ReleasingMemoryPoolTests
{
    private const byte Pattern = 0xAB;

    private static List<IMemoryOwner<byte>> RentFilled(MemoryPool<byte> pool, int count)
    {
        var blocks = new List<IMemoryOwner<byte>>(count);
        for (var i = 0; i < count; i++)
        {
            var block = pool.Rent();
            block.Memory.Span.Fill(Pattern);
            blocks.Add(block);
        }

        return blocks;
    }

    private static bool HoldsPattern(IMemoryOwner<byte> block) => !block.Memory.Span.ContainsAnyExcept(Pattern);

    private static bool IsZeroed(IMemoryOwner<byte> block) => !block.Memory.Span.ContainsAnyExcept((byte)0);

    private static nint AddressOf(IMemoryOwner<byte> block)
    {
        Assert.True(MemoryMarshal.TryGetArray<byte>(block.Memory, out var segment));
        return Marshal.UnsafeAddrOfPinnedArrayElement(segment.Array!, segment.Offset);
    }

    [Fact]
    public void Blocks_are_whole_distinct_pages()
    {
        using var pool = new ReleasingMemoryPool();
        var blocks = RentFilled(pool, 100);

        var addresses = blocks.Select(AddressOf).ToList();
        Assert.All(blocks, b => Assert.Equal(ReleasingMemoryPool.BlockSize, b.Memory.Length));
        Assert.All(addresses, a => Assert.Equal(0, a % ReleasingMemoryPool.BlockSize));
        Assert.Equal(addresses.Count, addresses.Distinct().Count());
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(ReleasingMemoryPool.BlockSize + 1));
    }

    [Fact]
    public void Blocks_unused_for_a_whole_period_give_their_pages_back_and_come_back_zeroed()
    {
        Assert.True(PageRelease.IsSupported, "the pool releases pages on Linux with 4 KB pages");
        using var pool = new ReleasingMemoryPool();
        RentFilled(pool, 200).ForEach(b => b.Dispose());

        Assert.Equal(0, pool.ReleaseIdle()); // the first period saw the blocks rented: none idle throughout
        var released = pool.ReleaseIdle();

        Assert.Equal((200 - 16 + 1) / 2 * ReleasingMemoryPool.BlockSize, released);
        var again = Enumerable.Range(0, 200).Select(_ => pool.Rent()).ToList();
        Assert.Equal(released / ReleasingMemoryPool.BlockSize, again.Count(IsZeroed));
        Assert.Equal(200 - (released / ReleasingMemoryPool.BlockSize), again.Count(HoldsPattern));
    }

    [Fact]
    public void A_rented_block_is_never_released()
    {
        using var pool = new ReleasingMemoryPool();
        var rented = RentFilled(pool, 100);
        RentFilled(pool, 300).ForEach(b => b.Dispose());

        for (var round = 0; round < 20; round++)
        {
            pool.ReleaseIdle();
        }

        Assert.All(rented, b => Assert.True(HoldsPattern(b)));
        Assert.Equal(100 * ReleasingMemoryPool.BlockSize, pool.RentedBytes);
    }

    [Fact]
    public void Blocks_in_use_during_the_period_are_kept()
    {
        using var pool = new ReleasingMemoryPool();
        RentFilled(pool, 200).ForEach(b => b.Dispose());
        pool.ReleaseIdle();

        // The traffic of this period needed all 200 at once: none was idle throughout.
        RentFilled(pool, 200).ForEach(b => b.Dispose());

        Assert.Equal(0, pool.ReleaseIdle());
        Assert.Equal(200 * ReleasingMemoryPool.BlockSize, pool.WarmBytes);
    }

    [Fact]
    public void An_idle_pool_decays_to_its_warm_reserve()
    {
        using var pool = new ReleasingMemoryPool();
        RentFilled(pool, 1000).ForEach(b => b.Dispose());

        for (var round = 0; round < 20; round++)
        {
            pool.ReleaseIdle();
        }

        Assert.Equal(16 * ReleasingMemoryPool.BlockSize, pool.WarmBytes);
        Assert.Equal(0, pool.RentedBytes);
        Assert.Equal(pool.TotalBytes - pool.WarmBytes, pool.ReleasedBytes);
    }

    [Fact]
    public async Task Kestrel_serves_its_buffers_from_the_pool_and_an_idle_server_gives_them_back()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        // The test drives the release rounds itself.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnCount:Buffers:ReleasePeriod"] = "01:00:00" });
        builder.AddReleasingBufferPool();
        await using var app = builder.Build();
        var body = new string('x', 512 * 1024);
        app.MapGet("/big", () => Results.Text(body));
        await app.StartAsync();

        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetStringAsync("/big")));
        Assert.All(answers, a => Assert.Equal(body.Length, a.Length));

        var factory = app.Services.GetRequiredService<ReleasingMemoryPoolFactory>();
        Assert.Same(factory, app.Services.GetRequiredService<IMemoryPoolFactory<byte>>());
        Assert.True(factory.TotalBytes > 0, "Kestrel rented no buffer from the pool");
        var idle = factory.IdleBytes;
        for (var round = 0; round < 20; round++)
        {
            factory.ReleaseIdle();
        }

        Assert.True(factory.IdleBytes < idle || idle <= 16 * ReleasingMemoryPool.BlockSize, $"idle {factory.IdleBytes} B, before {idle} B");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/big")).StatusCode);
    }

    [Fact]
    public void Turned_off_Kestrel_keeps_its_own_pool()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnCount:Buffers:ReleaseIdle"] = "false" });
        builder.AddReleasingBufferPool();
        using var services = builder.Services.BuildServiceProvider();

        Assert.Null(services.GetService<ReleasingMemoryPoolFactory>());
        Assert.IsNotType<ReleasingMemoryPoolFactory>(services.GetRequiredService<IMemoryPoolFactory<byte>>());
    }
}
