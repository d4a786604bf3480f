"""Load a taxonomy into a project's categories."""

from django.db import transaction

from annotator.models import Category, Project, Segment
from annotator.taxonomy import IMIGUE, Taxonomy, TaxonomyError


@transaction.atomic
def load_taxonomy_into(project: Project, taxonomy: Taxonomy = IMIGUE) -> int:
    """Create or update the project's categories; refuse to drop a category already in use."""
    wanted = {c.code for c in taxonomy.categories}
    unused_elsewhere = project.categories.exclude(code__in=wanted)
    in_use = Segment.objects.filter(category__in=unused_elsewhere).values_list(
        "category__code", flat=True
    )
    if in_use.exists():
        raise TaxonomyError(
            f"categories {sorted(set(in_use))} are used by segments and cannot be removed",
            code="categories_in_use",
        )
    unused_elsewhere.delete()
    # Names are unique per project and may move between codes: write placeholders first.
    for cat in taxonomy.categories:
        Category.objects.update_or_create(
            project=project,
            code=cat.code,
            defaults={
                "name": f"__{cat.code}__",
                "group": cat.group,
                "hotkey": cat.hotkey,
                "description": cat.description,
                "label_index": cat.label_index,
            },
        )
    for cat in taxonomy.categories:
        Category.objects.filter(project=project, code=cat.code).update(name=cat.name)
    project.taxonomy_name = taxonomy.name
    project.save(update_fields=["taxonomy_name"])
    return len(taxonomy.categories)
