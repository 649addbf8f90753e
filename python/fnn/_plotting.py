"""Learning curves with matplotlib (an optional dependency: ``fnn[plot]``)."""
import os
from typing import Any


def plot_learning_curve(model: Any, path: "str | os.PathLike[str] | None" = None) -> Any:
    """Draw a fitted model's training loss per epoch and, if it used early
    stopping, its validation loss and score.

    Parameters
    ----------
    model : fitted MLPClassifier or MLPRegressor
    path : str, path-like or None
        If given, the figure is also saved there as a PNG.

    Returns
    -------
    matplotlib.figure.Figure
    """
    curve = getattr(model, "loss_curve_", None)
    if not curve:
        raise ValueError("plot_learning_curve needs a model fitted by an MLP "
                         "estimator (it has no loss_curve_).")
    try:
        import matplotlib

        if path is not None:
            matplotlib.use("Agg", force=False)
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plot_learning_curve needs matplotlib: "
                          "pip install 'fnn[plot]' (or pip install matplotlib).") from None

    figure = Figure(figsize=(7, 4), layout="constrained")
    loss_axes = figure.add_subplot()
    epochs = range(1, len(curve) + 1)
    loss_axes.plot(epochs, curve, label="training loss", color="tab:blue")
    validation_loss = getattr(model, "validation_loss_curve_", None)
    if validation_loss:
        loss_axes.plot(range(1, len(validation_loss) + 1), validation_loss,
                       label="validation loss", color="tab:orange")
    loss_axes.set_xlabel("epoch")
    loss_axes.set_ylabel("loss")
    handles, labels = loss_axes.get_legend_handles_labels()
    scores = getattr(model, "validation_scores_", None)
    if scores:
        score_axes = loss_axes.twinx()
        score_axes.plot(range(1, len(scores) + 1), scores, label="validation score",
                        color="tab:green", linestyle="--")
        score_axes.set_ylabel("validation score")
        more_handles, more_labels = score_axes.get_legend_handles_labels()
        handles += more_handles
        labels += more_labels
    loss_axes.legend(handles, labels, loc="best")
    loss_axes.set_title(f"{type(model).__name__} learning curve")
    if path is not None:
        figure.savefig(path, format="png", dpi=100)
    return figure
