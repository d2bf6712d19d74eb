"""`python -m generator` runs the same command line as `explainer`."""

import sys

from generator.cli import main

sys.exit(main())
