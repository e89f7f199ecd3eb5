using DynamoOrleans.Cli.Hosting;
using DynamoOrleans.Engine.Hub;

namespace DynamoOrleans.Cli.Tests.Hosting;

public sealed class DownloadProgressBarTests
{
    [Fact]
    public void Report_FileInProgressThenDone_RedrawsOneLineAndEndsItAtTheTotal()
    {
        var output = new StringWriter();
        var bar = new DownloadProgressBar(output);

        bar.Report(new DownloadProgress("model.safetensors", 0, 4L << 20));
        bar.Report(new DownloadProgress("model.safetensors", 2L << 20, 4L << 20));
        bar.Report(new DownloadProgress("model.safetensors", 4L << 20, 4L << 20));
        bar.Report(new DownloadProgress("config.json", 700, 700));

        var text = output.ToString();
        var lines = text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length); // one finished line per file, redrawn in place with '\r'
        var halfway = lines[0].Split('\r', StringSplitOptions.RemoveEmptyEntries)[1];
        Assert.Contains("[###############...............]", halfway, StringComparison.Ordinal);
        Assert.Contains("2.0MiB/4.0MiB", halfway, StringComparison.Ordinal);
        Assert.Contains("[##############################]", lines[0].Split('\r')[^1], StringComparison.Ordinal);
        Assert.Contains("700B/700B", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Report_UnknownTotal_ShowsAnUnknownBar()
    {
        var output = new StringWriter();
        new DownloadProgressBar(output).Report(new DownloadProgress("tokenizer.json", 1500, null));
        Assert.Contains("1KiB/?", output.ToString(), StringComparison.Ordinal);
        Assert.Contains(new string('?', 30), output.ToString(), StringComparison.Ordinal);
    }
}
