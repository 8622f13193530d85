# SPDX-License-Identifier: GPL-2.0
# Sphinx configuration: `make htmldocs` (when sphinx-build is installed).
project = 'jitmem'
copyright = 'jitmem developers'
master_doc = 'index'
exclude_patterns = ['output']
manpages_url = None
html_theme = 'alabaster'
