"""Packaging for tfgan_suite (distribution ``tfgan-suite``)."""
from setuptools import find_packages, setup

setup(
    name="tfgan-suite",
    version="0.1.0",
    description="Generative Adversarial Networks for TensorFlow 2 / Keras 3: train, measure, ship.",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["tfgan_suite", "tfgan_suite.*"]),
    python_requires=">=3.10,<3.13",
    install_requires=[
        "tensorflow==2.21.*",
        "keras==3.15.*",
        "tensorboard==2.21.*",
        "tensorflow-datasets>=4.9,<4.10",
        "tf-keras-vis==0.8.7",
        "tensorflow-serving-api==2.21.*",
        "ai-edge-litert>=2.0,<3",
        "numpy>=1.26",
        "scipy>=1.11",
        "scikit-learn>=1.4",
        "scikit-image>=0.24",
        "Pillow>=10",
        "fonttools>=4.40",
        "matplotlib>=3.8",
        "PyYAML>=6",
        # the speech front end: WORLD (the prebuilt wheel of pyworld, import name pyworld)
        # and WAV I/O
        "pyworld-prebuilt==0.3.6.post1",
        "soundfile>=0.12",
    ],
    extras_require={"dev": ["pytest>=8", "pytest-xdist>=3.5", "ruff>=0.6", "html5lib>=1.1",
                            # the documentation site (make docs)
                            "mkdocs>=1.6,<2", "mkdocs-material>=9.5,<10",
                            "mkdocstrings-python>=1.10,<3"]},
    entry_points={"console_scripts": ["tfgan=tfgan_suite.cli:main"]},
    include_package_data=True,
    package_data={"tfgan_suite.data": ["glyph_packages.txt", "voice_packages.txt"]},
)
