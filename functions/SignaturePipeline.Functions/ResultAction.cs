using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace SignaturePipeline.Functions;

/// <summary>
/// Lets a function return the shared endpoints' <see cref="IResult"/> as the <see cref="IActionResult"/> the
/// Functions ASP.NET Core integration documents, so both hosts write byte-identical responses.
/// </summary>
public sealed class ResultAction(IResult result) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context) => result.ExecuteAsync(context.HttpContext);

    public static async Task<IActionResult> From(Task<IResult> result) => new ResultAction(await result.ConfigureAwait(false));
}
