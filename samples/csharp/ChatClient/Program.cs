using DynamoOrleans.Samples.Chat;

// dotnet run --project samples/csharp/ChatClient -- [--base-url URL] [--model NAME]
if (!SampleArguments.TryParse(args, Environment.GetEnvironmentVariable, out var arguments, out var error))
{
    await Console.Error.WriteLineAsync(error);
    return 2;
}
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
await ChatSample.RunAsync(arguments.BaseUrl, arguments.ApiKey, arguments.Model, Console.Out, cancel.Token);
return 0;
