"""Widgets: thin views over Steps. The only package importing ipywidgets/anywidget.

    from handoff_nb.widgets import Stepper, Inspector, GraphView
"""

from .graph_view import GraphView
from .inspector import Inspector
from .playground import Playground
from .stepper import Stepper

__all__ = ["GraphView", "Inspector", "Playground", "Stepper"]
