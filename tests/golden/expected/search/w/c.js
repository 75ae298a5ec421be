(self.siteSearchData=self.siteSearchData||{})["w/c"]={"terms":"code com compar constant construct continu cost curi"};
