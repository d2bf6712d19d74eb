"""Compiling and rendering on several processes.

`executor` says where explainers are compiled (here, or on forked workers that also render
each explainer's own pages: `shards`); `parallel` spreads the rendering of the other pages.
"""
