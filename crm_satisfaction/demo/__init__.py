# Demo data generators, called from the demo XML files through thin entry points of res.company
# that import them on call: nothing is imported here, so that production never loads them.
