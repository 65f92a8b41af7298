"""Build hook only (the metadata is in pyproject.toml): every wheel, sdist and editable install
carries the web page's third-party files, fetched by src/kronika/web/vendor.py when missing."""
import importlib.util
from pathlib import Path
from typing import ClassVar

from setuptools import Command, find_namespace_packages, setup
from setuptools.command.build import build
from setuptools.command.sdist import sdist
from setuptools.errors import SetupError

SRC = Path(__file__).resolve().parent / "src"
VENDOR = SRC / "kronika" / "web" / "vendor.py"


class vendor_web(Command):
    """Put the files vendor.json lists into src/kronika/web/static/vendor unless they are there."""

    description = "fetch the web page's third-party files from npm when they are missing"
    user_options: ClassVar[list] = []

    def initialize_options(self):
        pass

    def finalize_options(self):
        pass

    def run(self):
        # loaded from its file: kronika's own dependencies are not installed while it builds
        spec = importlib.util.spec_from_file_location("kronika_web_vendor", VENDOR)
        vendor = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(vendor)
        try:
            fetched = vendor.ensure()
        except vendor.VendorError as exc:
            raise SetupError(f"kronika: {exc}") from exc
        packages = self.distribution.packages
        if fetched and packages is not None:
            # package discovery ran before the files were there: list their folders as it would have
            # (build_py holds this same list), so a first build makes the same wheel as a later one
            packages += [name for name in find_namespace_packages(str(SRC), include=["kronika.web.static.vendor*"])
                         if name not in packages]


class build_with_vendor(build):
    # a build step of its own rather than inside build_py: editable installs run a customised
    # build_py under a guard that turns its errors into a warning, but run other steps plainly
    sub_commands: ClassVar[list] = [("vendor_web", None), *build.sub_commands]


class sdist_with_vendor(sdist):
    def run(self):
        self.run_command("vendor_web")
        super().run()


setup(cmdclass={"vendor_web": vendor_web, "build": build_with_vendor, "sdist": sdist_with_vendor})
