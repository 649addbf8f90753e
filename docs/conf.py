"""Sphinx configuration of fnn's documentation site.

Build it from the repository's root, after ``pip install ".[docs]"``:

    python -m sphinx -W -b html docs docs/_build/html

Markdown pages go through MyST, the API reference comes from fnn's numpydoc
docstrings, and the gallery runs every script in ``examples/`` and shows the
figures it draws.  fnn itself is imported as installed: the build documents
the package that ``pip install`` made, compiled core included.
"""
import os
import warnings

import fnn

project = "fnn"
author = "fnn developers"
copyright = "fnn developers, BSD-3-Clause"
version = release = fnn.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# -- MyST --------------------------------------------------------------------
# "dollarmath" for $...$ in the pages; heading anchors so that links such as
# ``cli.md#fnn-train`` resolve.
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# -- API reference -----------------------------------------------------------
autosummary_generate = True
# numpydoc lists a class's methods and attributes itself; asking it not to
# add a second autosummary table of them avoids stub pages for every
# inherited scikit-learn-protocol method (get_params, set_params, ...).
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Types in "Parameters" sections stay text: fnn's docstrings write types the
# way scikit-learn's do ("array-like of shape (n_samples, n_features)"),
# which are not cross-reference targets.
numpydoc_xref_param_type = False



def _skip_scikit_learn_members(app, what, name, obj, skip, options):
    """Leave out members that scikit-learn adds to fnn's estimators when it
    is installed (its metadata-routing ``set_*_request`` methods): they are
    scikit-learn's, documented there, and their docstrings refer to
    scikit-learn's glossary, which this site does not have."""
    if (getattr(obj, "__module__", None) or "").startswith("sklearn."):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_scikit_learn_members)


# -- Gallery -----------------------------------------------------------------
# Scripts run at build time, in file-name order, each in a fresh namespace;
# their matplotlib figures become the pictures of the page.  The examples'
# own data (a saved benchmark run) is beside them in examples/data.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("fnn",),
    "backreferences_dir": "generated/backreferences",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "remove_config_comments": True,
    # Printed output is shown; the value of a block's last expression (a
    # matplotlib object's repr, say) is not.
    "capture_repr": (),
    "show_memory": False,
    # No sg_execution_times pages: the root one would be caught by the
    # index's toctree glob.  The build log prints each example's time.
    "write_computation_times": False,
    "download_all_examples": True,
    # A gallery script that raises fails the build (-W or not).
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
}

# Matplotlib draws off screen at build time.
os.environ.setdefault("MPLBACKEND", "Agg")
warnings.filterwarnings("ignore", category=UserWarning,
                        message="Matplotlib is currently using agg")

# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"fnn {release}"
html_static_path = ["_static"]
html_css_files = ["fnn.css"]
html_theme_options = {
    "navigation_with_keys": False,
    # The guide, the gallery and the reference in the top bar; the topic
    # pages, whose titles are long, under "More".
    "header_links_before_dropdown": 3,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
# Top-level pages (guide, reference, topics) have nothing to list beside
# them; pages in the gallery and the reference list their siblings.
html_sidebars = {"*": []}
html_show_sourcelink = True
