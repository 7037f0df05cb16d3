"""Visualisation: sample grids and toy scatter plots."""

from tfgan_suite.viz.grids import image_grid, save_image_grid, save_scatter

__all__ = ["image_grid", "save_image_grid", "save_scatter"]
