using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.NoEmit;
using Kura.Allocations;

// Allocation budgets of the data path. `dotnet run -c Release --project bench/Kura.Allocations` runs the full
// BenchmarkDotNet measurement (time and memory); `-- --check` runs each benchmark briefly in process and compares the
// bytes it allocates per MiB moved with budgets.json, printing "N passed, N failed" (scripts/test.sh runs it).
if (args.Contains("--check"))
{
    return Budgets.Check();
}

BenchmarkSwitcher.FromAssembly(typeof(DataPathBenchmarks).Assembly).Run(args);
return 0;

namespace Kura.Allocations
{
    /// <summary>The checked mode: a short in-process job with the memory diagnoser, then each result against its budget.</summary>
    internal static class Budgets
    {
        public static int Check()
        {
            var config = ManualConfig.CreateEmpty()
                .AddJob(Job.Dry.WithToolchain(InProcessNoEmitToolchain.Instance).WithIterationCount(3).WithWarmupCount(1))
                .AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default)
                .AddLogger(BenchmarkDotNet.Loggers.NullLogger.Instance)
                .AddColumnProvider(BenchmarkDotNet.Columns.DefaultColumnProviders.Instance)
                .WithOptions(ConfigOptions.DisableOptimizationsValidator);
            var summary = BenchmarkRunner.Run<DataPathBenchmarks>(config);
            var budgets = JsonSerializer.Deserialize<Dictionary<string, long>>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "budgets.json")))!;
            int passed = 0, failed = 0;
            foreach (var report in summary.Reports)
            {
                var name = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
                var perOperation = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
                if (perOperation is not { } bytes || !report.Success)
                {
                    failed++;
                    Console.WriteLine($"FAIL - {name}: no measurement");
                    continue;
                }

                var perMiB = bytes / DataPathBenchmarks.MiBs;
                var budget = budgets.TryGetValue(name, out var b) ? b : -1;
                var line = string.Create(CultureInfo.InvariantCulture, $"{name}: {perMiB:N0} bytes allocated per MiB moved (budget {budget:N0})");
                if (budget >= 0 && perMiB <= budget)
                {
                    passed++;
                    Console.WriteLine("ok   - " + line);
                }
                else
                {
                    failed++;
                    Console.WriteLine("FAIL - " + line);
                }
            }

            foreach (var missing in budgets.Keys.Except(summary.Reports.Select(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name)))
            {
                failed++;
                Console.WriteLine($"FAIL - {missing}: budgeted but not measured");
            }

            Console.WriteLine($"{passed} passed, {failed} failed");
            return failed == 0 ? 0 : 1;
        }
    }
}
