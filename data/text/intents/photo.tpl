# Finding and showing the user's photos and videos.
@intents hasPhotoQuery
@prefix [{wake},^0.3] [{hes},^0.1]
show me {media_kind} of {photo_subject} @w=3
show me {media_kind} from {event} @w=2
find {media_kind} of {person} @w=2
pull up the {media_kind} from {event}
find my {media_kind} from {place}
show me the {media_kind} I took {time_past}
find the photo of {photo_subject} from {time_past}
where's that picture of {person} at {event}?
show me selfies with {person}
(can|could) you find {media_kind} of {photo_subject} from {place}?
open the {media_kind} from {trip}
show {media_kind} of {person} and {photo_subject}
find pictures of {photo_subject} I took {time_past}
do I have any {media_kind} of {photo_subject}?
search my photos for {photo_subject}
show me everything from {event}
bring up the {media_kind} {person} sent me
find the video of {person} at {event}
show me the best {media_kind} from {time_past}
I'm looking for a photo of {photo_subject}
show me the last picture I took
pull up my photos from {time_past}
find all the {media_kind} with {person} in them
show me {person}'s {media_kind} from {event}
can I see the {media_kind} from {event}?
look for {media_kind} of {photo_subject} in my gallery
find that screenshot of {photo_subject}
show me {media_kind} taken in {place}
any {media_kind} of {person} from {time_past}?
um, find the, uh, pictures from {event}
get me the {media_kind} from {place}, the ones from {time_past}
show me my favorite {media_kind}
find the group photo from {event}
open my camera roll from {time_past}
show me {media_kind} of {people}
find the {media_kind} of {photo_subject} and {photo_subject}
which photos did I take at {event}?
show me a slideshow of {event}
find old {media_kind} of {relation}
search my gallery for {photo_subject} at {place}
show me {media_kind} from {event} with {person}
I need the photo of {photo_subject} from {time_past}
show me the {media_kind} from {time_past} again
find photos where {person} is smiling
bring up pictures of {photo_subject}, please
show me videos of {photo_subject}
where are the pictures from {place}?
show me the {media_kind} I took of {person}
find the photo of the receipt from {time_past}
display the {media_kind} from {event} on the TV
