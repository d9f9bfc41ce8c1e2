# Music, audio, video and volume.
@gate 1
@weight 0.4
@prefix [{wake},^0.35] [{hes},^0.08]
play {song} @w=3
play some {genre} @w=2
put on {song}
skip this song
next song
pause
pause the music
resume
volume up
turn it down a little
turn the volume to {level}
louder
mute the TV
play the next episode
resume my audiobook
shuffle my liked songs
what song is this?
who sings this?
play {genre} in the {room}
stop the music
play that again
play something relaxing
turn up the bass
play {song} on the {room} speaker
put on the radio
play the latest episode of my podcast
rewind thirty seconds
skip ahead two minutes
like this song
play my workout playlist
(can|could) you play {song}?
um, play, uh, {genre}
turn on the TV
switch to the news channel
play {genre} for thirty minutes then stop
lower the volume
