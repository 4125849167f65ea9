import sys

from labelhive_operator.main import main

sys.exit(main())
