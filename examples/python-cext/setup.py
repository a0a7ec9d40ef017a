from setuptools import Extension, setup

setup(
    name="textstats",
    version="1.0",
    description="Counts the words of a text and hashes it, in C",
    package_dir={"": "src"},
    packages=["textstats"],
    ext_modules=[Extension("textstats._speedups", ["src/textstats/_speedups.c"])],
)
