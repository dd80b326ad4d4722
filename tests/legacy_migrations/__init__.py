"""Migration files as django-pgtrigger 4.x wrote them, copied into a throwaway project by tests."""
