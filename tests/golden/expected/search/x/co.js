(self.siteSearchData=self.siteSearchData||{})["x/co"]={"df":"01010201010101","terms":"code com compar constant construct continu cost"};
