"""Sorting of a pull request's changed files into results files and everything else.

Results files are `.eval_results/<name>.yaml`, directly in the folder. `.yml` files and
files in sub-folders are reported with a fix instead of being read.
"""

from checks.inputs import RESULTS_DIR, ChangedFile
from checks.messages import quote
from checks.report import Finding, finding


def is_results_path(path: str) -> bool:
    """Return True for a path of the form `.eval_results/<name>.yaml`."""
    # NOTE: whether the Hub also reads `.yml` files or sub-folders is not verified here;
    # both are reported as `pr.other-files` until that is known.
    if not path.startswith(RESULTS_DIR) or not path.endswith(".yaml"):
        return False
    return "/" not in path[len(RESULTS_DIR):]


def check_file_shape(changed: ChangedFile) -> list[Finding]:
    """Report a deleted results file or a change outside the results files."""
    path = changed.path
    if is_results_path(path):
        if changed.status == "deleted":
            return [finding(
                "pr.deletes-results", f"The pull request deletes the results file {quote(path)}.",
                file=path, hint="Keep the file unless its results are wrong, and say why in the pull request.",
            )]
        return []
    if changed.status == "deleted" and not path.startswith(RESULTS_DIR):
        hint = "Results pull requests should change only `.eval_results/*.yaml` files."
    elif path.startswith(RESULTS_DIR) and path.endswith(".yml"):
        hint = f"Rename it to {quote(path[:-4] + '.yaml')}: the Hub reads only `.yaml` files."
    elif path.startswith(RESULTS_DIR) and path.endswith(".yaml"):
        hint = "Move it directly into `.eval_results/`: results files are not read from sub-folders."
    else:
        hint = "Results pull requests should change only `.eval_results/*.yaml` files; open another pull request for this one."
    return [finding(
        "pr.other-files", f"The file {quote(path)} is not a results file, so it was not checked.",
        file=path, hint=hint,
    )]
