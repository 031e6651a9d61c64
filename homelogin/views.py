from django.http import Http404


def code_entry(request):
    raise Http404


def device_tiles(request):
    raise Http404


def device_pupil(request, pk):
    raise Http404
