"""factory_boy factories for the domain model."""

import factory
from django.contrib.auth import get_user_model

from annotator.models import Assignment, Labeler, Project, Segment, Subject, Video
from annotator.services.taxonomy import load_taxonomy_into


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "password123")
        if create:
            self.save(update_fields=["password"])


class AdminFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_staff = True
    is_superuser = True


class LabelerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Labeler

    user = factory.SubFactory(UserFactory, username=factory.Sequence(lambda n: f"labeler{n}"))
    code = factory.Sequence(lambda n: f"L{n + 1}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"project{n}")

    @factory.post_generation
    def taxonomy(self, create, extracted, **kwargs):
        if create:
            load_taxonomy_into(self)


class SubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject

    project = factory.SubFactory(ProjectFactory)
    subject_id = factory.Sequence(lambda n: str(n + 1))


class VideoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Video

    project = factory.SubFactory(ProjectFactory)
    external_id = factory.Sequence(lambda n: str(n + 1))
    status = Video.Status.READY
    fps = 25.0
    fps_fraction = "25/1"
    num_frames = 1000
    width = 320
    height = 240


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    video = factory.SubFactory(VideoFactory)
    labeler = factory.SubFactory(LabelerFactory)
    position = factory.Sequence(lambda n: n + 1)


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    assignment = factory.SubFactory(AssignmentFactory)
    start_frame = 10
    end_frame = 20
    category = factory.LazyAttribute(
        lambda o: o.assignment.video.project.categories.order_by("label_index").first()
    )
