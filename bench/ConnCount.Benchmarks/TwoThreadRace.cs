namespace ConnCount.Benchmarks;

/// <summary>
/// Two dedicated threads released together to run the same batch of work, so a benchmark measures two cores
/// fighting over the same memory. The threads live for the whole benchmark: starting them per batch would
/// cost more than the batch.
/// </summary>
internal sealed class TwoThreadRace : IDisposable
{
    private readonly Barrier _barrier = new(3);
    private readonly Thread[] _threads = new Thread[2];
    private Action<int> _work = static _ => { };
    private volatile bool _stopping;

    public TwoThreadRace()
    {
        for (var i = 0; i < _threads.Length; i++)
        {
            var index = i;
            _threads[i] = new Thread(() => Loop(index)) { IsBackground = true, Name = $"race-{i}" };
            _threads[i].Start();
        }
    }

    /// <summary>Runs <paramref name="work"/>(thread index) on both threads at once and returns when both are done.</summary>
    public void Run(Action<int> work)
    {
        _work = work;
        _barrier.SignalAndWait();
        _barrier.SignalAndWait();
    }

    public void Dispose()
    {
        _stopping = true;
        _barrier.SignalAndWait();
        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _barrier.Dispose();
    }

    private void Loop(int index)
    {
        while (true)
        {
            _barrier.SignalAndWait();
            if (_stopping)
            {
                return;
            }

            _work(index);
            _barrier.SignalAndWait();
        }
    }
}
