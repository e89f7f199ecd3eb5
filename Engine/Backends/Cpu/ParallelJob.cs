namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>
/// A kernel split into tasks run on every core. The body delegate is created once per job object, so
/// a step allocates no closures; a job object serves one caller at a time.
/// </summary>
internal abstract class ParallelJob
{
    private readonly Action<int> _body;
    private int _tasks;

    protected ParallelJob() => _body = task => RunTask(task, _tasks);

    protected static int Cores { get; } = Environment.ProcessorCount;

    protected void Execute(int tasks)
    {
        _tasks = tasks;
        if (tasks <= 1)
            RunTask(0, 1);
        else
            Parallel.For(0, tasks, _body);
    }

    /// <summary>Runs task <paramref name="task"/> of <paramref name="tasks"/>; tasks split the work into contiguous ranges.</summary>
    protected abstract void RunTask(int task, int tasks);

    protected static (int Start, int End) Range(int count, int task, int tasks) =>
        ((int)((long)count * task / tasks), (int)((long)count * (task + 1) / tasks));
}
