from django.urls import path

from . import views

app_name = "demo_publisher"
urlpatterns = [
    path("<slug:slug>/", views.start, name="start"),
    path("<slug:slug>/terug/", views.callback, name="callback"),
    path("<slug:slug>/backchannel-logout/", views.backchannel_logout, name="backchannel_logout"),
]
